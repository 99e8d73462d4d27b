// The documents of the reporting service, rendered from figures the domain
// computed (report_documents.h).

#include "services/reporting/report_documents.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"

namespace chitieu::reporting {

using ::chitieu::type::v1::Indicator;

std::string IndicatorLabel(Indicator indicator) {
  switch (indicator) {
    case type::v1::INDICATOR_NEW_PARTY_ORGANIZATIONS:
      return "Tổ chức đảng thành lập mới";
    case type::v1::INDICATOR_NEW_PARTY_MEMBERS:
      return "Đảng viên kết nạp mới";
    case type::v1::INDICATOR_NEW_TRADE_UNIONS:
      return "Công đoàn cơ sở thành lập mới";
    case type::v1::INDICATOR_NEW_YOUTH_UNIONS:
      return "Tổ chức đoàn thanh niên thành lập mới";
    default:
      return "";
  }
}

std::string CsvLine(const std::vector<std::string>& fields) {
  std::vector<std::string> quoted;
  for (const auto& f : fields) {
    if (f.find_first_of(",\"\r\n") == std::string::npos) {
      quoted.push_back(f);
    } else {
      quoted.push_back(absl::StrCat("\"", absl::StrReplaceAll(f, {{"\"", "\"\""}}), "\""));
    }
  }
  return absl::StrJoin(quoted, ",");
}

std::string EnterpriseStatusLabel(int status) {
  switch (status) {
    case type::v1::ENTERPRISE_STATUS_ACTIVE:
      return "Đang hoạt động";
    case type::v1::ENTERPRISE_STATUS_SUSPENDED:
      return "Tạm ngừng hoạt động";
    case type::v1::ENTERPRISE_STATUS_NOT_AT_REGISTERED_ADDRESS:
      return "Bỏ địa điểm kinh doanh";
    case type::v1::ENTERPRISE_STATUS_REGISTRATION_REVOKED:
      return "Bị thu hồi giấy chứng nhận";
    case type::v1::ENTERPRISE_STATUS_DISSOLUTION_IN_PROGRESS:
      return "Đang làm thủ tục giải thể";
    case type::v1::ENTERPRISE_STATUS_BANKRUPTCY_IN_PROGRESS:
      return "Đang làm thủ tục phá sản";
    case type::v1::ENTERPRISE_STATUS_DISSOLVED:
      return "Giải thể";
    case type::v1::ENTERPRISE_STATUS_BANKRUPT:
      return "Phá sản";
    default:
      return "Chưa rõ";
  }
}

std::string OutcomeLabel(const pb::IndicatorProgress& p) {
  switch (p.status()) {
    case type::v1::PROGRESS_STATUS_EXCEEDED:
      return absl::StrCat("Vượt ", p.difference());
    case type::v1::PROGRESS_STATUS_MET:
      return "Đạt";
    case type::v1::PROGRESS_STATUS_NOT_MET:
      return "Chưa đạt";
    default:
      return "Không giao chỉ tiêu";
  }
}

std::string EscapeHtml(absl::string_view text) {
  return absl::StrReplaceAll(text,
                             {{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"\"", "&quot;"}});
}

std::string CsvFile(const std::vector<std::string>& lines) {
  std::string file = "\xEF\xBB\xBF";
  for (const std::string& line : lines) {
    absl::StrAppend(&file, line, "\r\n");
  }
  return file;
}

std::vector<std::string> ProgressCsv(const std::string& unit, const std::string& unit_name,
                                     int year_number, const pb::Progress& progress) {
  std::vector<std::string> lines = {CsvLine(
      {"scope", "key", "name", "year", "indicator", "target", "achieved", "difference", "status"})};
  for (const auto& ip : progress.indicators()) {
    const std::string indicator = type::v1::Indicator_Name(ip.indicator());
    const std::string year = absl::StrCat(year_number);
    lines.push_back(CsvLine({"unit", unit, unit_name, year, indicator, absl::StrCat(ip.target()),
                             absl::StrCat(ip.achieved()), absl::StrCat(ip.difference()),
                             type::v1::ProgressStatus_Name(ip.status())}));
    for (const auto& [scope, rows] : {std::make_pair("child_unit", &ip.by_child_unit()),
                                      std::make_pair("body", &ip.by_body())}) {
      for (const auto& b : *rows) {
        lines.push_back(
            CsvLine({scope, b.key(), b.display_name(), year, indicator, absl::StrCat(b.target()),
                     absl::StrCat(b.achieved()), absl::StrCat(b.achieved() - b.target()), ""}));
      }
    }
  }
  return lines;
}

namespace {

// "14/01/2014 09:30" in Vietnam's time (UTC+7), as staff write it.
std::string VietnamTime(const google::protobuf::Timestamp& t) {
  const absl::Time time = absl::FromUnixSeconds(t.seconds());
  return absl::FormatTime("%d/%m/%Y %H:%M", time, absl::FixedTimeZone(7 * 3600));
}

// "Số liệu đã được phê duyệt": who approved (and accepted), when, and the
// content hash of the figures.
void AppendApprovalStamp(std::string& h, const pb::Report& r) {
  absl::StrAppend(&h,
                  "<div class=\"stamp\" style=\"border:2px solid #000;padding:6px 10px;"
                  "margin:1em 0\">\n<p><strong>Số liệu đã được phê duyệt</strong> "
                  "(figures as approved)</p>\n<p>Người gửi: ",
                  EscapeHtml(r.submitted_by()), " – ", VietnamTime(r.submit_time()),
                  "</p>\n<p>Người phê duyệt: ", EscapeHtml(r.approved_by()), " – ",
                  VietnamTime(r.approve_time()), "</p>\n");
  if (r.state() == pb::REPORT_STATE_ACCEPTED) {
    absl::StrAppend(&h, "<p>Thành phố tiếp nhận: ", EscapeHtml(r.accepted_by()), " – ",
                    VietnamTime(r.accept_time()), "</p>\n");
  }
  absl::StrAppend(&h, "<p>Mã băm nội dung: <code>", EscapeHtml(r.snapshot().content_hash()),
                  "</code></p>\n</div>\n");
}

// What changed since the report was submitted, per indicator and record.
void AppendChangesSince(std::string& h, const pb::Report& r) {
  absl::StrAppend(&h, "<h2>4. Thay đổi sau khi gửi báo cáo (chưa có trong số liệu đã phê duyệt)",
                  "</h2>\n<table>\n<tr><th>Chỉ tiêu</th><th>Đã phê duyệt</th><th>Hiện nay</th>"
                  "<th>Ghi nhận</th></tr>\n");
  for (const auto& c : r.changes_since_submission()) {
    std::string records;
    for (const auto& a : c.added()) {
      absl::StrAppend(&records, "+", a.count(), " ", EscapeHtml(a.name()), " (ghi nhận ",
                      VietnamTime(a.record_time()), a.recorded_by().empty() ? "" : " bởi ",
                      EscapeHtml(a.recorded_by()), ")<br>");
    }
    for (const auto& a : c.removed()) {
      absl::StrAppend(&records, "−", a.count(), " ", EscapeHtml(a.name()), "<br>");
    }
    absl::StrAppend(&h, "<tr><td>", IndicatorLabel(c.indicator()), "</td><td class=\"n\">",
                    c.submitted_achieved(), "/", c.submitted_target(), "</td><td class=\"n\">",
                    c.live_achieved(), "/", c.live_target(), "</td><td>", records, "</td></tr>\n");
  }
  absl::StrAppend(&h, "</table>\n");
}

}  // namespace

std::string YearEndHtml(const std::string& unit_name, int year, const pb::Progress& previous,
                        const pb::Progress& current, const CountsByStatus& counts,
                        const pb::Report* approved) {
  std::string h;
  absl::StrAppend(
      &h, "<!DOCTYPE html>\n<html lang=\"vi\">\n<head>\n<meta charset=\"utf-8\">\n",
      "<title>Báo cáo kết quả thực hiện Nghị quyết 09-NQ/TU năm ", year, " – ",
      EscapeHtml(unit_name), "</title>\n<style>\n",
      "body{font-family:'Times New Roman',serif;margin:2cm;color:#000}\n",
      "h1{font-size:16pt;text-align:center;text-transform:uppercase}\n",
      "h2{font-size:13pt;margin-top:1.5em}\n",
      "table{border-collapse:collapse;width:100%;margin:.5em 0}\n",
      "th,td{border:1px solid #000;padding:4px 8px;text-align:left}\n",
      "td.n{text-align:right}\n@media print{body{margin:1cm}}\n</style>\n</head>\n<body>\n",
      "<h1>Báo cáo kết quả thực hiện Nghị quyết 09-NQ/TU năm ", year, "</h1>\n",
      "<p style=\"text-align:center\">", EscapeHtml(unit_name), "</p>\n");
  if (approved != nullptr) {
    AppendApprovalStamp(h, *approved);
  }
  absl::StrAppend(&h, "<h2>1. Kết quả so với chỉ tiêu thành phố giao</h2>\n<table>\n",
                  "<tr><th>Chỉ tiêu</th><th>Năm ", year - 1, ": kết quả / chỉ tiêu</th><th>Năm ",
                  year, ": kết quả / chỉ tiêu</th><th>Đánh giá năm ", year, "</th></tr>\n");
  for (int i = 0; i < current.indicators_size(); ++i) {
    const auto& now = current.indicators(i);
    const auto& before = previous.indicators(i);
    auto cell = [](const pb::IndicatorProgress& p) {
      return p.status() == type::v1::PROGRESS_STATUS_NO_TARGET
                 ? absl::StrCat(p.achieved())
                 : absl::StrCat(p.achieved(), "/", p.target());
    };
    absl::StrAppend(&h, "<tr><td>", IndicatorLabel(now.indicator()), "</td><td class=\"n\">",
                    cell(before), "</td><td class=\"n\">", cell(now), "</td><td>",
                    OutcomeLabel(now), "</td></tr>\n");
  }
  absl::StrAppend(&h, "</table>\n<h2>2. Tổ chức thành lập mới năm ", year,
                  " theo cơ quan phụ trách</h2>\n<table>\n<tr><th>Cơ quan</th>");
  std::map<std::string, std::map<int, int32_t>> by_body;
  std::map<std::string, std::string> body_names;
  std::vector<int> columns;
  for (const auto& ip : current.indicators()) {
    if (ip.indicator() == type::v1::INDICATOR_NEW_PARTY_MEMBERS) {
      continue;  // No founding body.
    }
    columns.push_back(ip.indicator());
    absl::StrAppend(&h, "<th>", IndicatorLabel(ip.indicator()), "</th>");
    for (const auto& b : ip.by_body()) {
      by_body[b.key()][ip.indicator()] = b.achieved();
      body_names[b.key()] = b.display_name();
    }
  }
  absl::StrAppend(&h, "</tr>\n");
  for (const auto& [body, values] : by_body) {
    absl::StrAppend(&h, "<tr><td>", EscapeHtml(body_names[body]), "</td>");
    for (int c : columns) {
      auto it = values.find(c);
      absl::StrAppend(&h, "<td class=\"n\">", it == values.end() ? 0 : it->second, "</td>");
    }
    absl::StrAppend(&h, "</tr>\n");
  }
  int64_t total = 0;
  for (const auto& [status, n] : counts) {
    total += n;
  }
  absl::StrAppend(&h, "</table>\n<h2>3. Tình hình doanh nghiệp ngoài khu vực nhà nước đến ngày ",
                  absl::StrFormat("31/12/%04d", year), "</h2>\n<table>\n",
                  "<tr><th>Tình trạng</th><th>Số doanh nghiệp</th></tr>\n",
                  "<tr><td>Tổng số doanh nghiệp đăng ký</td><td class=\"n\">", total,
                  "</td></tr>\n");
  for (const auto& [status, n] : counts) {
    absl::StrAppend(&h, "<tr><td>", EnterpriseStatusLabel(status), "</td><td class=\"n\">", n,
                    "</td></tr>\n");
  }
  absl::StrAppend(&h, "</table>\n");
  if (approved != nullptr && approved->changes_since_submission_size() > 0) {
    AppendChangesSince(h, *approved);
  }
  absl::StrAppend(&h, "</body>\n</html>\n");
  return h;
}

}  // namespace chitieu::reporting

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

namespace {

// `text` as a spreadsheet shows it, never runs it: a leading =, +, -, @,
// tab or CR gets a "'" before it (OWASP's advice on CSV injection).
std::string CsvText(const std::string& text) {
  if (!text.empty() &&
      absl::string_view("=+-@\t\r").find(text.front()) != absl::string_view::npos) {
    return absl::StrCat("'", text);
  }
  return text;
}

}  // namespace

std::vector<std::string> ProgressCsv(const std::string& unit, const std::string& unit_name,
                                     int year_number, const pb::Progress& progress) {
  std::vector<std::string> lines = {CsvLine(
      {"scope", "key", "name", "year", "indicator", "target", "achieved", "difference", "status"})};
  for (const auto& ip : progress.indicators()) {
    const std::string indicator = type::v1::Indicator_Name(ip.indicator());
    const std::string year = absl::StrCat(year_number);
    lines.push_back(
        CsvLine({"unit", unit, CsvText(unit_name), year, indicator, absl::StrCat(ip.target()),
                 absl::StrCat(ip.achieved()), absl::StrCat(ip.difference()),
                 type::v1::ProgressStatus_Name(ip.status())}));
    for (const auto& [scope, rows] : {std::make_pair("child_unit", &ip.by_child_unit()),
                                      std::make_pair("body", &ip.by_body())}) {
      for (const auto& b : *rows) {
        lines.push_back(CsvLine({scope, b.key(), CsvText(b.display_name()), year, indicator,
                                 absl::StrCat(b.target()), absl::StrCat(b.achieved()),
                                 absl::StrCat(b.achieved() - b.target()), ""}));
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

// The approval stamp's lines: who submitted, approved (and accepted), when.
std::vector<std::string> StampLines(const pb::Report& r) {
  std::vector<std::string> lines = {
      absl::StrCat("Người gửi: ", r.submitted_by(), " – ", VietnamTime(r.submit_time())),
      absl::StrCat("Người phê duyệt: ", r.approved_by(), " – ", VietnamTime(r.approve_time()))};
  if (r.state() == pb::REPORT_STATE_ACCEPTED) {
    lines.push_back(absl::StrCat("Thành phố tiếp nhận: ", r.accepted_by(), " – ",
                                 VietnamTime(r.accept_time())));
  }
  return lines;
}

// What changed since the report was submitted, per indicator and record.
DocumentTable ChangesSince(const pb::Report& r) {
  DocumentTable t{"4. Thay đổi sau khi gửi báo cáo (chưa có trong số liệu đã phê duyệt)",
                  {"Chỉ tiêu", "Đã phê duyệt", "Hiện nay", "Ghi nhận"},
                  {false, true, true, false},
                  {}};
  // A row per record (a long list splits across pages as rows do), the
  // indicator's figures on its first.
  for (const auto& c : r.changes_since_submission()) {
    std::vector<std::string> records;
    for (const auto& a : c.added()) {
      records.push_back(absl::StrCat("+", a.count(), " ", a.name(), " (ghi nhận ",
                                     VietnamTime(a.record_time()),
                                     a.recorded_by().empty() ? "" : " bởi ", a.recorded_by(), ")"));
    }
    for (const auto& a : c.removed()) {
      records.push_back(absl::StrCat("−", a.count(), " ", a.name()));
    }
    if (records.empty()) {
      records.push_back("");
    }
    for (size_t i = 0; i < records.size(); ++i) {
      t.rows.push_back(
          {i == 0 ? IndicatorLabel(c.indicator()) : "",
           i == 0 ? absl::StrCat(c.submitted_achieved(), "/", c.submitted_target()) : "",
           i == 0 ? absl::StrCat(c.live_achieved(), "/", c.live_target()) : "", records[i]});
    }
  }
  return t;
}

// Results against targets, this year beside the year before.
DocumentTable AgainstTargets(int year, const pb::Progress& previous, const pb::Progress& current) {
  DocumentTable t{
      "1. Kết quả so với chỉ tiêu thành phố giao",
      {"Chỉ tiêu", absl::StrCat("Năm ", year - 1, ": kết quả / chỉ tiêu"),
       absl::StrCat("Năm ", year, ": kết quả / chỉ tiêu"), absl::StrCat("Đánh giá năm ", year)},
      {false, true, true, false},
      {}};
  auto cell = [](const pb::IndicatorProgress& p) {
    return p.status() == type::v1::PROGRESS_STATUS_NO_TARGET
               ? absl::StrCat(p.achieved())
               : absl::StrCat(p.achieved(), "/", p.target());
  };
  for (const auto& now : current.indicators()) {
    pb::IndicatorProgress before;
    for (const auto& p : previous.indicators()) {
      if (p.indicator() == now.indicator()) {
        before = p;
      }
    }
    t.rows.push_back({IndicatorLabel(now.indicator()), cell(before), cell(now), OutcomeLabel(now)});
  }
  return t;
}

// Organizations founded in the year, per founding body.
DocumentTable ByBody(int year, const pb::Progress& current) {
  DocumentTable t{absl::StrCat("2. Tổ chức thành lập mới năm ", year, " theo cơ quan phụ trách"),
                  {"Cơ quan"},
                  {false},
                  {}};
  std::map<std::string, std::map<int, int32_t>> by_body;
  std::map<std::string, std::string> body_names;
  std::vector<int> columns;
  for (const auto& ip : current.indicators()) {
    if (ip.indicator() == type::v1::INDICATOR_NEW_PARTY_MEMBERS) {
      continue;  // No founding body.
    }
    columns.push_back(ip.indicator());
    t.columns.push_back(IndicatorLabel(ip.indicator()));
    t.numeric.push_back(true);
    for (const auto& b : ip.by_body()) {
      by_body[b.key()][ip.indicator()] = b.achieved();
      body_names[b.key()] = b.display_name();
    }
  }
  for (const auto& [body, values] : by_body) {
    std::vector<std::string> row = {body_names[body]};
    for (int c : columns) {
      auto it = values.find(c);
      row.push_back(absl::StrCat(it == values.end() ? 0 : it->second));
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

// The enterprises by legal status on 31 December, their total first.
DocumentTable ByStatus(int year, const CountsByStatus& counts) {
  DocumentTable t{absl::StrCat("3. Tình hình doanh nghiệp ngoài khu vực nhà nước đến ngày ",
                               absl::StrFormat("31/12/%04d", year)),
                  {"Tình trạng", "Số doanh nghiệp"},
                  {false, true},
                  {}};
  int64_t total = 0;
  for (const auto& [status, n] : counts) {
    total += n;
  }
  t.rows.push_back({"Tổng số doanh nghiệp đăng ký", absl::StrCat(total)});
  for (const auto& [status, n] : counts) {
    t.rows.push_back({EnterpriseStatusLabel(status), absl::StrCat(n)});
  }
  return t;
}

// A cell's text as HTML: escaped, its line breaks as <br>.
std::string HtmlCell(absl::string_view text) {
  return absl::StrReplaceAll(EscapeHtml(text), {{"\n", "<br>"}});
}

}  // namespace

YearEndContent YearEnd(const std::string& unit_name, int year, const pb::Progress& previous,
                       const pb::Progress& current, const CountsByStatus& counts,
                       const pb::Report* approved) {
  YearEndContent c;
  c.unit_name = unit_name;
  c.year = year;
  c.subject = absl::StrCat("Kết quả thực hiện Nghị quyết 09-NQ/TU năm ", year);
  c.title = absl::StrCat("Báo cáo kết quả thực hiện Nghị quyết 09-NQ/TU năm ", year);
  if (approved != nullptr) {
    c.stamp = StampLines(*approved);
    c.content_hash = approved->snapshot().content_hash();
    c.approved_on =
        absl::FormatTime("%d/%m/%Y", absl::FromUnixSeconds(approved->approve_time().seconds()),
                         absl::FixedTimeZone(7 * 3600));
    c.approved_by = approved->approved_by();
  }
  c.tables = {AgainstTargets(year, previous, current), ByBody(year, current),
              ByStatus(year, counts)};
  if (approved != nullptr && approved->changes_since_submission_size() > 0) {
    c.tables.push_back(ChangesSince(*approved));
  }
  return c;
}

std::string YearEndHtml(const YearEndContent& c) {
  std::string h;
  absl::StrAppend(
      &h, "<!DOCTYPE html>\n<html lang=\"vi\">\n<head>\n<meta charset=\"utf-8\">\n", "<title>",
      EscapeHtml(c.title), " – ", EscapeHtml(c.unit_name), "</title>\n<style>\n",
      "body{font-family:'Times New Roman',serif;margin:2cm;color:#000}\n",
      "h1{font-size:16pt;text-align:center;text-transform:uppercase}\n",
      "h2{font-size:13pt;margin-top:1.5em}\n",
      "table{border-collapse:collapse;width:100%;margin:.5em 0}\n",
      "th,td{border:1px solid #000;padding:4px 8px;text-align:left}\n",
      "td.n{text-align:right}\n@media print{body{margin:1cm}}\n</style>\n</head>\n<body>\n", "<h1>",
      EscapeHtml(c.title), "</h1>\n", "<p style=\"text-align:center\">", EscapeHtml(c.unit_name),
      "</p>\n");
  if (!c.stamp.empty()) {
    absl::StrAppend(&h,
                    "<div class=\"stamp\" style=\"border:2px solid #000;padding:6px 10px;"
                    "margin:1em 0\">\n<p><strong>Số liệu đã được phê duyệt</strong> "
                    "(figures as approved)</p>\n");
    for (const std::string& line : c.stamp) {
      absl::StrAppend(&h, "<p>", EscapeHtml(line), "</p>\n");
    }
    absl::StrAppend(&h, "<p>Mã băm nội dung: <code>", EscapeHtml(c.content_hash),
                    "</code></p>\n</div>\n");
  }
  for (const DocumentTable& t : c.tables) {
    absl::StrAppend(&h, "<h2>", EscapeHtml(t.heading), "</h2>\n<table>\n<tr>");
    for (const std::string& column : t.columns) {
      absl::StrAppend(&h, "<th>", EscapeHtml(column), "</th>");
    }
    absl::StrAppend(&h, "</tr>\n");
    for (const auto& row : t.rows) {
      absl::StrAppend(&h, "<tr>");
      for (size_t i = 0; i < row.size(); ++i) {
        const bool numeric = i < t.numeric.size() && t.numeric[i];
        absl::StrAppend(&h, numeric ? "<td class=\"n\">" : "<td>", HtmlCell(row[i]), "</td>");
      }
      absl::StrAppend(&h, "</tr>\n");
    }
    absl::StrAppend(&h, "</table>\n");
  }
  absl::StrAppend(&h, "</body>\n</html>\n");
  return h;
}

}  // namespace chitieu::reporting

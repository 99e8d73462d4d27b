// The year's figures as an Excel workbook (report_xlsx.h).

#include "services/reporting/report_xlsx.h"

#include <fcntl.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "services/reporting/report_documents.h"

namespace chitieu::reporting {
namespace {

// The formats every sheet uses.
struct Formats {
  lxw_format* title;
  lxw_format* note;
  lxw_format* header;
  lxw_format* text;
  lxw_format* number;
};

Formats AddFormats(lxw_workbook* book) {
  Formats f{};
  f.title = workbook_add_format(book);
  format_set_bold(f.title);
  format_set_font_size(f.title, 13);
  f.note = workbook_add_format(book);
  format_set_italic(f.note);
  f.header = workbook_add_format(book);
  format_set_bold(f.header);
  format_set_text_wrap(f.header);
  format_set_align(f.header, LXW_ALIGN_VERTICAL_CENTER);
  format_set_bg_color(f.header, 0xDDEBF7);
  format_set_border(f.header, LXW_BORDER_THIN);
  f.text = workbook_add_format(book);
  format_set_border(f.text, LXW_BORDER_THIN);
  f.number = workbook_add_format(book);
  format_set_border(f.number, LXW_BORDER_THIN);
  format_set_num_format(f.number, "#,##0");
  return f;
}

// A cell: text, or a number (written as a number, so that Excel sums it).
struct Cell {
  std::string text;
  double number = 0;
  bool is_number = false;
};
Cell Text(std::string s) { return Cell{std::move(s)}; }
Cell Number(double n) { return Cell{"", n, true}; }

// One sheet: a title, a note, then a table whose heading row is frozen
// and filterable. Row 0 is the title, row 1 the note, row 3 the heading.
// The first error libxlsxwriter gave, if any.
lxw_error AddSheet(lxw_workbook* book, const Formats& f, const char* name, const std::string& title,
                   const std::string& note, const std::vector<std::string>& columns,
                   const std::vector<double>& widths, const std::vector<std::vector<Cell>>& rows) {
  lxw_worksheet* sheet = workbook_add_worksheet(book, name);
  if (sheet == nullptr) {
    return LXW_ERROR_MEMORY_MALLOC_FAILED;
  }
  lxw_error first = LXW_NO_ERROR;
  auto keep = [&first](lxw_error e) {
    if (first == LXW_NO_ERROR) {
      first = e;
    }
  };
  keep(worksheet_write_string(sheet, 0, 0, title.c_str(), f.title));
  keep(worksheet_write_string(sheet, 1, 0, note.c_str(), f.note));
  constexpr lxw_row_t kHeading = 3;
  for (size_t c = 0; c < columns.size(); ++c) {
    const auto col = static_cast<lxw_col_t>(c);
    worksheet_set_column(sheet, col, col, c < widths.size() ? widths[c] : 14, nullptr);
    keep(worksheet_write_string(sheet, kHeading, col, columns[c].c_str(), f.header));
  }
  lxw_row_t r = kHeading + 1;
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size(); ++c) {
      const auto col = static_cast<lxw_col_t>(c);
      if (row[c].is_number) {
        keep(worksheet_write_number(sheet, r, col, row[c].number, f.number));
      } else {
        // Always a string: a name that starts with "=" stays text.
        keep(worksheet_write_string(sheet, r, col, row[c].text.c_str(), f.text));
      }
    }
    ++r;
  }
  worksheet_freeze_panes(sheet, kHeading + 1, 0);
  if (!columns.empty()) {
    worksheet_autofilter(sheet, kHeading, 0, rows.empty() ? kHeading : r - 1,
                         static_cast<lxw_col_t>(columns.size() - 1));
  }
  return first;
}

// The rows of one breakdown (by child unit or by body), per indicator.
std::vector<std::vector<Cell>> BreakdownRows(const pb::Progress& progress, bool by_child_unit) {
  std::vector<std::vector<Cell>> rows;
  for (const auto& ip : progress.indicators()) {
    for (const auto& b : by_child_unit ? ip.by_child_unit() : ip.by_body()) {
      rows.push_back({Text(IndicatorLabel(ip.indicator())), Text(b.key()), Text(b.display_name()),
                      Number(b.target()), Number(b.achieved()),
                      Number(static_cast<double>(b.achieved()) - b.target())});
    }
  }
  return rows;
}

// Writes the workbook to `path`.
absl::Status WriteWorkbook(const std::string& path, const std::string& tmpdir,
                           const std::string& unit, const std::string& unit_name, int year,
                           const pb::Progress& progress, const CountsByStatus& counts,
                           const pb::Report* approved) {
  lxw_workbook_options options{};
  options.tmpdir = const_cast<char*>(tmpdir.c_str());
  lxw_workbook* book = workbook_new_opt(path.c_str(), &options);
  if (book == nullptr) {
    return absl::InternalError("cannot start the workbook");
  }
  const std::string title =
      absl::StrCat("Kết quả thực hiện Nghị quyết 09-NQ/TU năm ", year, " – ", unit_name);
  lxw_doc_properties properties{};
  properties.title = const_cast<char*>(title.c_str());
  properties.author = const_cast<char*>("Chỉ tiêu");
  workbook_set_properties(book, &properties);
  const Formats f = AddFormats(book);
  lxw_error sheets = LXW_NO_ERROR;
  auto keep = [&sheets](lxw_error e) {
    if (sheets == LXW_NO_ERROR) {
      sheets = e;
    }
  };

  std::string note = "Số liệu tạm tính: báo cáo năm chưa được phê duyệt.";
  if (approved != nullptr) {
    note = absl::StrCat(
        "Số liệu đã được phê duyệt bởi ", approved->approved_by(), " ngày ",
        absl::FormatTime("%d/%m/%Y", absl::FromUnixSeconds(approved->approve_time().seconds()),
                         absl::FixedTimeZone(7 * 3600)),
        "; mã băm nội dung ", approved->snapshot().content_hash(), ".");
  }
  std::vector<std::vector<Cell>> indicators;
  for (const auto& ip : progress.indicators()) {
    indicators.push_back({Text(IndicatorLabel(ip.indicator())),
                          Text(type::v1::Indicator_Name(ip.indicator())), Number(ip.target()),
                          Number(ip.achieved()), Number(ip.difference()), Text(OutcomeLabel(ip))});
  }
  keep(AddSheet(book, f, "Chỉ tiêu", title, note,
                {"Chỉ tiêu", "Mã chỉ tiêu", "Chỉ tiêu giao", "Kết quả", "Chênh lệch", "Đánh giá"},
                {38, 30, 14, 12, 12, 20}, indicators));
  const std::vector<std::string> breakdown = {"Chỉ tiêu",      "Mã",      "Tên",
                                              "Chỉ tiêu giao", "Kết quả", "Chênh lệch"};
  keep(AddSheet(book, f, "Theo đơn vị", absl::StrCat(title, ": theo đơn vị trực thuộc"), note,
                breakdown, {38, 18, 36, 14, 12, 12}, BreakdownRows(progress, true)));
  keep(AddSheet(book, f, "Theo cơ quan", absl::StrCat(title, ": theo cơ quan phụ trách"), note,
                breakdown, {38, 18, 36, 14, 12, 12}, BreakdownRows(progress, false)));
  std::vector<std::vector<Cell>> statuses;
  double total = 0;
  for (const auto& [status, n] : counts) {
    total += static_cast<double>(n);
  }
  statuses.push_back({Text("Tổng số doanh nghiệp đăng ký"), Number(total)});
  for (const auto& [status, n] : counts) {
    statuses.push_back({Text(EnterpriseStatusLabel(status)), Number(static_cast<double>(n))});
  }
  keep(AddSheet(book, f, "Doanh nghiệp",
                absl::StrCat("Doanh nghiệp ngoài khu vực nhà nước theo tình trạng đến ngày ",
                             absl::StrFormat("31/12/%04d", year), " – ", unit_name),
                absl::StrCat("Đơn vị: ", unit), {"Tình trạng", "Số doanh nghiệp"}, {38, 18},
                statuses));
  const lxw_error closed = workbook_close(book);
  const lxw_error error = sheets != LXW_NO_ERROR ? sheets : closed;
  if (error != LXW_NO_ERROR) {
    return absl::InternalError(absl::StrCat("cannot write the workbook: ", lxw_strerror(error)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> ProgressWorkbook(const std::string& unit, const std::string& unit_name,
                                             int year, const pb::Progress& progress,
                                             const CountsByStatus& counts,
                                             const pb::Report* approved) {
  std::error_code ec;
  const std::string tmpdir = std::filesystem::temp_directory_path(ec).string();
  if (ec) {
    return absl::InternalError("no folder for temporary files");
  }
  std::string path = tmpdir + "/chitieu-workbook-XXXXXX.xlsx";
  const int fd = mkstemps(path.data(), 5);
  if (fd < 0) {
    return absl::InternalError("cannot make a temporary file for the workbook");
  }
  close(fd);
  absl::Cleanup remove = [&path] {
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
  };
  if (absl::Status s =
          WriteWorkbook(path, tmpdir, unit, unit_name, year, progress, counts, approved);
      !s.ok()) {
    return s;
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream data;
  data << in.rdbuf();
  if (!in.good() && !in.eof()) {
    return absl::InternalError("cannot read the workbook back");
  }
  return std::move(data).str();
}

}  // namespace chitieu::reporting

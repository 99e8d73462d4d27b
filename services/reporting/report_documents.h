#pragma once

// The documents the reporting service renders from figures the domain has
// computed: what the year-end report says and its printable HTML page
// (Vietnamese, styled for A4), the progress export as CSV lines, and the
// Vietnamese labels of indicators, enterprise statuses and outcomes they
// use. No store and no gRPC: text in, text out. The workbook and the PDF
// are in report_xlsx.h and report_pdf.h.

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "chitieu/reporting/v1/reporting.pb.h"
#include "services/reporting/reporting_store.h"

namespace chitieu::reporting {

namespace pb = ::chitieu::reporting::v1;

// "Tổ chức đảng thành lập mới", … : the Vietnamese label of an indicator.
std::string IndicatorLabel(::chitieu::type::v1::Indicator indicator);

// "Đang hoạt động", … : the label of an EnterpriseStatus number.
std::string EnterpriseStatusLabel(int status);

// "Vượt 1", "Đạt", "Chưa đạt" or "Không giao chỉ tiêu": how an indicator
// stands against its target.
std::string OutcomeLabel(const pb::IndicatorProgress& progress);

// `text` with &, <, > and " written as HTML entities.
std::string EscapeHtml(absl::string_view text);

// One RFC 4180 CSV line from fields.
std::string CsvLine(const std::vector<std::string>& fields);

// ExportReport's CSV lines for `progress` of `unit` ("units/…", named
// `unit_name`) in `year`: a header, then per indicator the unit's row and
// one row per child unit and per founding body.
std::vector<std::string> ProgressCsv(const std::string& unit, const std::string& unit_name,
                                     int year, const pb::Progress& progress);

// A CSV file of `lines` as Excel opens it with its Vietnamese intact: UTF-8
// with a byte order mark, each line ended by CRLF (RFC 4180).
std::string CsvFile(const std::vector<std::string>& lines);

// A table of a document: its heading, its columns' titles, and its rows
// of cells (a line break inside a cell starts a new line).
struct DocumentTable {
  std::string heading;
  std::vector<std::string> columns;
  // Per column: whether it holds figures (set right-aligned).
  std::vector<bool> numeric;
  std::vector<std::vector<std::string>> rows;
};

// What the year-end report says, whatever it is rendered as.
struct YearEndContent {
  std::string unit_name;
  int year = 0;
  // "Báo cáo kết quả thực hiện Nghị quyết 09-NQ/TU năm 2013".
  std::string title;
  // "Kết quả thực hiện Nghị quyết 09-NQ/TU năm 2013": the title under
  // "BÁO CÁO" on paper.
  std::string subject;
  // The approval stamp's lines after its heading ("Người gửi: …", …, the
  // content hash last); none unless the report is approved.
  std::vector<std::string> stamp;
  std::string content_hash;
  // When, in Vietnam's time, and by whom it was approved; "" if not.
  std::string approved_on;  // "14/01/2014".
  std::string approved_by;
  std::vector<DocumentTable> tables;
};

// The year-end report of `unit_name` for `year`: results against targets
// beside the year before, organizations founded per founding body, and the
// enterprises by status on 31 December (`counts`). With `approved` (its
// figures are then the report's snapshot), "figures as approved", the
// approval stamp (who, when, the content hash) and the changes since.
YearEndContent YearEnd(const std::string& unit_name, int year, const pb::Progress& previous,
                       const pb::Progress& current, const CountsByStatus& counts,
                       const pb::Report* approved = nullptr);

// The year-end report as one printable HTML page.
std::string YearEndHtml(const YearEndContent& content);

}  // namespace chitieu::reporting

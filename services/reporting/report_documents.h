#pragma once

// The documents the reporting service renders from figures the domain has
// computed: the year-end report as one printable HTML page (Vietnamese,
// styled for A4), the progress export as CSV lines, and the Vietnamese
// labels of indicators, enterprise statuses and outcomes they use. No
// store and no gRPC: text in, text out.

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

// The year-end report of `unit_name` for `year`: results against targets
// beside the year before, organizations founded per founding body, and the
// enterprises by status on 31 December (`counts`). With `approved` (its
// figures are then the report's snapshot), "figures as approved", the
// approval stamp (who, when, the content hash) and the changes since.
std::string YearEndHtml(const std::string& unit_name, int year, const pb::Progress& previous,
                        const pb::Progress& current, const CountsByStatus& counts,
                        const pb::Report* approved = nullptr);

}  // namespace chitieu::reporting

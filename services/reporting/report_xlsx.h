#pragma once

// The year's figures as an Excel workbook (Office Open XML), written with
// Debian's libxlsxwriter: four sheets (the indicators; by child unit; by
// founding body; the enterprises by status on 31 December), numbers as
// numbers, headings frozen and filterable. libxlsxwriter 1.1.4 writes only
// to a file, so the workbook passes through a private temporary file in
// $TMPDIR (or /tmp) that is gone when the function returns.

#include <string>

#include "absl/status/statusor.h"
#include "chitieu/reporting/v1/reporting.pb.h"
#include "services/reporting/reporting_store.h"

namespace chitieu::reporting {

namespace pb = ::chitieu::reporting::v1;

// The workbook of `unit` ("units/…", named `unit_name`) for `year`:
// `progress` with its breakdowns, `counts` on 31 December. With `approved`
// (then `progress` holds its figures), a line says who approved them and
// their content hash; else that they are not approved yet.
absl::StatusOr<std::string> ProgressWorkbook(const std::string& unit, const std::string& unit_name,
                                             int year, const pb::Progress& progress,
                                             const CountsByStatus& counts,
                                             const pb::Report* approved);

}  // namespace chitieu::reporting

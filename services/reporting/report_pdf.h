#pragma once

// The year-end report as a PDF to print, sign and file, drawn with Debian's
// cairo and pango: A4 pages with the margins of an official document, the
// header (the unit on the left, the Party's name and the date on the
// right), the title, the approval stamp or a line saying the figures are
// not approved yet, the tables (split across pages with their heading row
// repeated), the recipients and the signature block, and page numbers.
// Text is set in DejaVu Serif (fonts-dejavu-core), which has every
// Vietnamese letter; the fonts are embedded. Rendering holds one process-
// wide lock: the font map is shared and pango's is not safe to share
// between threads without one.

#include <string>

#include "absl/status/statusor.h"
#include "services/reporting/report_documents.h"

namespace chitieu::reporting {

// The PDF of `content`.
absl::StatusOr<std::string> YearEndPdf(const YearEndContent& content);

}  // namespace chitieu::reporting

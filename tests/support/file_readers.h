#pragma once

// Reads back the files the API produces, as a person's tools would open
// them: a PDF's text by poppler's pdftotext (NFC-normalised), a workbook's
// cells by openpyxl (tests/support/read_file.py, run by Debian's python3).

#include <string>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace chitieu::testing {

// The text of `pdf`, then "@@ Pages: N" and "@@ Page size: …" lines. With
// `png`, its first page is also rendered there (60 dpi) to look at.
absl::StatusOr<std::string> PdfText(const std::string& pdf, const std::string& png = "");

// {"sheets": [{"name": …, "rows": [[…], …]}]} of the workbook `xlsx`.
absl::StatusOr<nlohmann::json> WorkbookCells(const std::string& xlsx);

// How many times `needle` occurs in `text`.
int Occurrences(const std::string& text, const std::string& needle);

}  // namespace chitieu::testing

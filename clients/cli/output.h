#pragma once

// How the CLI prints an answer: `table` (the default, for people), `json`
// (the proto3 JSON mapping, for scripts) or `csv` (for spreadsheets).
// Tables and CSV show the answer's first non-empty list, a row an element
// and a column a scalar field; an answer without a list is shown as
// field/value lines.

#include <ostream>
#include <string>

#include "google/protobuf/message.h"

namespace chitieu::cli {

void PrintMessage(const google::protobuf::Message& message, const std::string& format,
                  std::ostream& out);

// Display width of UTF-8 text (code points; Vietnamese letters count one).
size_t DisplayWidth(const std::string& text);

}  // namespace chitieu::cli

#include "clients/cli/csv_import.h"

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "google/protobuf/util/json_util.h"

namespace chitieu::cli {

std::string WithPrefix(const std::string& prefix, std::string value) {
  if (prefix.empty()) {
    return value;
  }
  if (prefix.back() == '_') {
    value = absl::AsciiStrToUpper(value);
  }
  return absl::StartsWith(value, prefix) ? value : prefix + value;
}

std::vector<std::string> CsvFields(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        out.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        out.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else if (c != '\r') {
      out.back() += c;
    }
  }
  return out;
}

std::vector<std::unique_ptr<registry::v1::ImportEnterprisesRequest>> ReadImportCsv(
    std::istream& in, const std::string& source, int* rows) {
  std::vector<std::unique_ptr<registry::v1::ImportEnterprisesRequest>> batches;
  *rows = 0;
  std::string line;
  if (!std::getline(in, line)) {
    return batches;
  }
  const std::vector<std::string> header = CsvFields(line);
  while (std::getline(in, line)) {
    if (absl::StripAsciiWhitespace(line).empty()) {
      continue;
    }
    if (batches.empty() || batches.back()->enterprises_size() == 500) {
      batches.push_back(std::make_unique<registry::v1::ImportEnterprisesRequest>());
      batches.back()->set_source(source);
    }
    const std::vector<std::string> fields = CsvFields(line);
    // Built as a JSON object and parsed by protobuf's JSON mapping, so that
    // enum names, dates and nested fields follow the API's own rules. Not
    // valid UTF-8 → the row goes with its code alone (dump() would throw).
    nlohmann::json row = nlohmann::json::object();
    for (size_t i = 0; i < header.size() && i < fields.size(); ++i) {
      if (fields[i].empty()) {
        continue;
      }
      if (header[i] == "seat_unit") {
        row["seatUnit"] = WithPrefix("units/", fields[i]);
      } else {
        row[header[i]] = fields[i];
      }
    }
    auto* e = batches.back()->add_enterprises();
    const std::string json = row.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (!google::protobuf::util::JsonStringToMessage(json, e).ok()) {
      e->Clear();
      e->set_enterprise_code(row.value("enterprise_code", ""));  // The service reports the row.
    }
    ++*rows;
  }
  return batches;
}

}  // namespace chitieu::cli

#include "clients/cli/output.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/util/json_util.h"

namespace chitieu::cli {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// "INDICATOR_NEW_TRADE_UNIONS" → "NEW_TRADE_UNIONS" in tables.
std::string EnumLabel(const google::protobuf::EnumValueDescriptor* v, bool table) {
  if (!table) {
    return v->name();
  }
  std::string prefix = v->type()->name();  // "Indicator", "EnterpriseStatus"
  std::string upper;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (i > 0 && isupper(static_cast<unsigned char>(prefix[i]))) {
      upper += '_';
    }
    upper += static_cast<char>(toupper(static_cast<unsigned char>(prefix[i])));
  }
  upper += '_';
  const std::string& name = v->name();
  return name.rfind(upper, 0) == 0 ? name.substr(upper.size()) : name;
}

std::string ScalarText(const Message& m, const FieldDescriptor* f, int index, bool table) {
  const auto* r = m.GetReflection();
  const bool rep = index >= 0;
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return rep ? r->GetRepeatedString(m, f, index) : r->GetString(m, f);
    case FieldDescriptor::CPPTYPE_INT32:
      return absl::StrCat(rep ? r->GetRepeatedInt32(m, f, index) : r->GetInt32(m, f));
    case FieldDescriptor::CPPTYPE_INT64:
      return absl::StrCat(rep ? r->GetRepeatedInt64(m, f, index) : r->GetInt64(m, f));
    case FieldDescriptor::CPPTYPE_UINT32:
      return absl::StrCat(rep ? r->GetRepeatedUInt32(m, f, index) : r->GetUInt32(m, f));
    case FieldDescriptor::CPPTYPE_UINT64:
      return absl::StrCat(rep ? r->GetRepeatedUInt64(m, f, index) : r->GetUInt64(m, f));
    case FieldDescriptor::CPPTYPE_DOUBLE: {
      const double d = rep ? r->GetRepeatedDouble(m, f, index) : r->GetDouble(m, f);
      return absl::StrFormat("%.1f", d);
    }
    case FieldDescriptor::CPPTYPE_FLOAT:
      return absl::StrFormat("%.1f", rep ? r->GetRepeatedFloat(m, f, index) : r->GetFloat(m, f));
    case FieldDescriptor::CPPTYPE_BOOL:
      return (rep ? r->GetRepeatedBool(m, f, index) : r->GetBool(m, f)) ? "true" : "false";
    case FieldDescriptor::CPPTYPE_ENUM:
      return EnumLabel(rep ? r->GetRepeatedEnum(m, f, index) : r->GetEnum(m, f), table);
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      const Message& sub = rep ? r->GetRepeatedMessage(m, f, index) : r->GetMessage(m, f);
      if (sub.GetDescriptor()->full_name() == "google.protobuf.Timestamp") {
        std::string json;
        (void)google::protobuf::util::MessageToJsonString(sub, &json);
        return json.size() >= 2 ? json.substr(1, json.size() - 2) : json;
      }
      return "";
    }
  }
  return "";
}

// A column: a scalar (or Timestamp) field, or a repeated scalar joined.
bool IsColumn(const FieldDescriptor* f) {
  if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
    return true;
  }
  return !f->is_repeated() && f->message_type()->full_name() == "google.protobuf.Timestamp";
}

// A table cell holds one line: a text of several (a report's canonical
// text) shows its first, and how many there are (--output=json has all).
std::string OneLine(std::string text) {
  const size_t newline = text.find('\n');
  if (newline == std::string::npos) {
    return text;
  }
  const auto lines = std::count(text.begin(), text.end(), '\n') + (text.back() == '\n' ? 0 : 1);
  return absl::StrCat(text.substr(0, newline), " … (", lines, " lines)");
}

std::string Cell(const Message& m, const FieldDescriptor* f, bool table) {
  if (!f->is_repeated()) {
    return table ? OneLine(ScalarText(m, f, -1, table)) : ScalarText(m, f, -1, table);
  }
  std::vector<std::string> parts;
  for (int i = 0; i < m.GetReflection()->FieldSize(m, f); ++i) {
    parts.push_back(ScalarText(m, f, i, table));
  }
  return absl::StrJoin(parts, " ");
}

std::string CsvQuote(const std::string& v) {
  if (v.find_first_of(",\"\n") == std::string::npos) {
    return v;
  }
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') {
      out += '"';
    }
    out += c;
  }
  return out + "\"";
}

void PrintRows(const std::vector<std::vector<std::string>>& rows, bool table, std::ostream& out) {
  if (!table) {
    for (const auto& row : rows) {
      std::vector<std::string> quoted;
      for (const auto& v : row) {
        quoted.push_back(CsvQuote(v));
      }
      out << absl::StrJoin(quoted, ",") << "\n";
    }
    return;
  }
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], DisplayWidth(row[i]));
    }
  }
  for (size_t r = 0; r < rows.size(); ++r) {
    std::string line;
    for (size_t i = 0; i < rows[r].size(); ++i) {
      line += rows[r][i];
      if (i + 1 < rows[r].size()) {
        line += std::string(widths[i] - DisplayWidth(rows[r][i]) + 2, ' ');
      }
    }
    out << line << "\n";
    if (r == 0) {
      size_t total = 0;
      for (size_t w : widths) {
        total += w + 2;
      }
      out << std::string(total > 2 ? total - 2 : 0, '-') << "\n";
    }
  }
}

}  // namespace

size_t DisplayWidth(const std::string& text) {
  size_t n = 0;
  for (unsigned char c : text) {
    n += (c & 0xC0) != 0x80;
  }
  return n;
}

void PrintMessage(const Message& message, const std::string& format, std::ostream& out) {
  if (format == "json") {
    std::string json;
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = true;
    options.always_print_primitive_fields = true;
    (void)google::protobuf::util::MessageToJsonString(message, &json, options);
    out << json;
    if (json.empty() || json.back() != '\n') {
      out << "\n";
    }
    return;
  }
  const bool table = format == "table";
  const auto* d = message.GetDescriptor();
  const auto* r = message.GetReflection();
  const FieldDescriptor* list = nullptr;
  for (int i = 0; i < d->field_count() && list == nullptr; ++i) {
    const auto* f = d->field(i);
    if (f->is_repeated() && f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
        r->FieldSize(message, f) > 0) {
      list = f;
    }
  }
  if (list == nullptr) {
    // Field/value lines (one level of nested messages, dotted).
    std::vector<std::vector<std::string>> rows = {{"field", "value"}};
    for (int i = 0; i < d->field_count(); ++i) {
      const auto* f = d->field(i);
      if (IsColumn(f)) {
        rows.push_back({f->name(), Cell(message, f, table)});
      } else if (!f->is_repeated() && r->HasField(message, f)) {
        const Message& sub = r->GetMessage(message, f);
        for (int j = 0; j < sub.GetDescriptor()->field_count(); ++j) {
          const auto* g = sub.GetDescriptor()->field(j);
          if (IsColumn(g)) {
            rows.push_back({f->name() + "." + g->name(), Cell(sub, g, table)});
          }
        }
      }
    }
    PrintRows(rows, table, out);
    return;
  }
  if (table) {
    // The answer's own scalar fields head the table ("unit: units/002").
    std::vector<std::string> heads;
    for (int i = 0; i < d->field_count(); ++i) {
      const auto* f = d->field(i);
      if (IsColumn(f) && !f->is_repeated()) {
        const std::string v = Cell(message, f, table);
        if (!v.empty() && v != "0") {
          heads.push_back(f->name() + ": " + v);
        }
      }
    }
    if (!heads.empty()) {
      out << absl::StrJoin(heads, "   ") << "\n";
    }
  }
  const auto* row_type = list->message_type();
  std::vector<const FieldDescriptor*> columns;
  std::vector<std::vector<std::string>> rows(1);
  for (int i = 0; i < row_type->field_count(); ++i) {
    if (IsColumn(row_type->field(i))) {
      columns.push_back(row_type->field(i));
      rows[0].push_back(row_type->field(i)->name());
    }
  }
  for (int i = 0; i < r->FieldSize(message, list); ++i) {
    const Message& row = r->GetRepeatedMessage(message, list, i);
    rows.emplace_back();
    for (const auto* c : columns) {
      rows.back().push_back(Cell(row, c, table));
    }
  }
  PrintRows(rows, table, out);
}

}  // namespace chitieu::cli

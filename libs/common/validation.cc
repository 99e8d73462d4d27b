// Text and date field checks (validation.h).

#include "libs/common/validation.h"

#include "absl/strings/str_cat.h"
#include "libs/common/dates.h"

namespace chitieu {

void CheckText(FieldViolations& v, const std::string& field, const std::string& value,
               bool required, size_t max) {
  if (value.empty()) {
    if (required) {
      v.Add(field, "is required");
    }
    return;
  }
  if (value.size() > max) {
    v.Add(field, absl::StrCat("must be at most ", max, " bytes"));
    return;
  }
  for (unsigned char c : value) {
    if (c < 0x20 || c == 0x7f) {
      v.Add(field, "must not contain control characters");
      return;
    }
  }
}

bool CheckDate(FieldViolations& v, const std::string& field, const std::string& value,
               absl::CivilDay* out) {
  if (value.empty()) {
    v.Add(field, "is required (YYYY-MM-DD)");
    return false;
  }
  auto day = ParseDate(value, field);
  if (!day.ok()) {
    v.Add(field, "must be a date written YYYY-MM-DD");
    return false;
  }
  if (out != nullptr) {
    *out = *day;
  }
  return true;
}

}  // namespace chitieu

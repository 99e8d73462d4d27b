#pragma once

// Field checks shared by every domain layer; each adds a violation naming
// the field to a FieldViolations collector.

#include <string>

#include "absl/time/civil_time.h"
#include "libs/common/errors.h"

namespace chitieu {

inline constexpr size_t kMaxNameLength = 300;
inline constexpr size_t kMaxTextLength = 500;

// A free-text field: required or not, at most `max` bytes, no control
// characters. (Invalid UTF-8 never reaches a domain: proto3 parsing refuses
// it.)
void CheckText(FieldViolations& v, const std::string& field, const std::string& value,
               bool required, size_t max = kMaxNameLength);

// A required "YYYY-MM-DD" date; true (and the day in `*out`) if valid.
bool CheckDate(FieldViolations& v, const std::string& field, const std::string& value,
               absl::CivilDay* out = nullptr);

}  // namespace chitieu

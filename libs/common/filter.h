#pragma once

// A subset of the AIP-160 filter language shared by every List method:
// a conjunction of comparisons, `field = value AND field != value`, where a
// value is a double-quoted string ("units/002", with \" and \\ escapes) or a
// bare word of letters, digits, '_', '-' and '.' (an enum value name, a
// number, true/false). Which fields a list accepts is the domain's business.

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace chitieu {

struct FilterTerm {
  std::string field;
  // "=" or "!=".
  std::string op;
  std::string value;
};

// Parses `filter`; an empty or blank filter is no terms. INVALID_ARGUMENT
// with a violation on `field_path` (e.g. "filter") for anything else, the
// message naming the offending position. At most 16 terms and 2048 bytes.
absl::StatusOr<std::vector<FilterTerm>> ParseFilter(absl::string_view filter,
                                                    absl::string_view field_path = "filter");

// Parses a bare true/false value of a term.
absl::StatusOr<bool> FilterBool(const FilterTerm& term, absl::string_view field_path = "filter");

}  // namespace chitieu

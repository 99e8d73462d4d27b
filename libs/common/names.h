#pragma once

// Resource names (AIP-122): "units/002", "enterprises/0100233488/organizations/1".

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace chitieu {

// Matches `name` against a pattern such as
// "enterprises/{enterprise}/organizations/{organization}" and returns the
// ids in order. Ids are 1 to 63 characters of [A-Za-z0-9-]; the literal
// collection segments must match exactly. INVALID_ARGUMENT naming `field`
// otherwise.
absl::StatusOr<std::vector<std::string>> ParseName(absl::string_view pattern,
                                                   absl::string_view name, absl::string_view field);

// Parses a name with one id, such as "units/{unit}", returning the id.
absl::StatusOr<std::string> ParseSingleName(absl::string_view collection, absl::string_view name,
                                            absl::string_view field);

// ParseName for a pattern whose last id is a number the service gave
// (target, plan, organization ids): at most 18 decimal digits, else
// INVALID_ARGUMENT naming `field`.
absl::StatusOr<std::vector<std::string>> ParseNumberedName(absl::string_view pattern,
                                                           absl::string_view name,
                                                           absl::string_view field);

}  // namespace chitieu

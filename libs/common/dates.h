#pragma once

// Dates travel as "YYYY-MM-DD" strings in every API; inside they are
// absl::CivilDay. "Today" is the civil day in Vietnam (UTC+7).

#include <functional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"

namespace chitieu {

// Parses a strict "YYYY-MM-DD" (zero-padded, a real calendar day, year 1900
// to 2999). INVALID_ARGUMENT naming `field` otherwise.
absl::StatusOr<absl::CivilDay> ParseDate(absl::string_view text, absl::string_view field);

std::string FormatDate(absl::CivilDay day);

// Returns today's civil day in Vietnam.
absl::CivilDay TodayInVietnam();

// Injected into domain code so tests never read the wall clock.
using TodayFn = std::function<absl::CivilDay()>;

}  // namespace chitieu

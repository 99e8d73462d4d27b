// Parsing and formatting "YYYY-MM-DD" dates; today in Vietnam (dates.h).

#include "libs/common/dates.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "libs/common/errors.h"

namespace chitieu {

absl::StatusOr<absl::CivilDay> ParseDate(absl::string_view text, absl::string_view field) {
  auto bad = [&] { return InvalidField(std::string(field), "must be a date written YYYY-MM-DD"); };
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
    return bad();
  }
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) {
      return bad();
    }
  }
  int year = 0, month = 0, day = 0;
  if (!absl::SimpleAtoi(text.substr(0, 4), &year) || !absl::SimpleAtoi(text.substr(5, 2), &month) ||
      !absl::SimpleAtoi(text.substr(8, 2), &day)) {
    return bad();
  }
  absl::CivilDay civil(year, month, day);
  // CivilDay normalises 2013-02-30 to 2013-03-02; a real day round-trips.
  if (civil.year() != year || civil.month() != month || civil.day() != day || year < 1900 ||
      year > 2999) {
    return bad();
  }
  return civil;
}

std::string FormatDate(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

absl::CivilDay TodayInVietnam() {
  // Vietnam has kept UTC+7 without daylight saving since 1975.
  static const absl::TimeZone kVietnam = absl::FixedTimeZone(7 * 60 * 60);
  return absl::ToCivilDay(absl::Now(), kVietnam);
}

}  // namespace chitieu

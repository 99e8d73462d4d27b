// Tests of date parsing, formatting and today in Vietnam.

#include "libs/common/dates.h"

#include <gtest/gtest.h>

#include "libs/common/errors.h"

namespace chitieu {
namespace {

TEST(ParseDate, AcceptsRealDays) {
  auto d = ParseDate("2013-12-31", "f");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(FormatDate(*d), "2013-12-31");
  EXPECT_TRUE(ParseDate("2012-02-29", "f").ok());
}

TEST(ParseDate, RefusesMalformedAndImpossibleDays) {
  for (const char* bad :
       {"", "2013-1-01", "2013/01/01", "2013-02-30", "2013-13-01", "20130101", "2013-01-01T00:00",
        "x013-01-01", "1899-12-31", "2013-00-10", "2013-02-29"}) {
    auto d = ParseDate(bad, "founding_date");
    ASSERT_FALSE(d.ok()) << bad;
    EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
    auto v = GetFieldViolations(d.status());
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].first, "founding_date");
  }
}

}  // namespace
}  // namespace chitieu

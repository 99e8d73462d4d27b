// Tests of the filter parser, hostile input included.

#include "libs/common/filter.h"

#include <gtest/gtest.h>

namespace chitieu {
namespace {

TEST(ParseFilter, EmptyMeansNoTerms) {
  auto t = ParseFilter("   ");
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(t->empty());
}

TEST(ParseFilter, ConjunctionOfComparisons) {
  auto t = ParseFilter(
      R"(unit = "units/002" AND status != ENTERPRISE_STATUS_DISSOLVED AND has_trade_union=false)");
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->size(), 3u);
  EXPECT_EQ((*t)[0].field, "unit");
  EXPECT_EQ((*t)[0].value, "units/002");
  EXPECT_EQ((*t)[1].op, "!=");
  EXPECT_EQ((*t)[2].value, "false");
}

TEST(ParseFilter, Escapes) {
  auto t = ParseFilter(R"(name = "a \"b\" \\ c")");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ((*t)[0].value, "a \"b\" \\ c");
}

TEST(ParseFilter, RefusesWhatItDoesNotSpeak) {
  for (const char* bad :
       {"unit", "unit =", "= x", "a = b OR c = d", "a = b AND", "(a = b)", "a = \"open",
        "a = b c = d", "a > 3", "a = \"x\\n\"", "a = '; DROP TABLE enterprises; --"}) {
    auto t = ParseFilter(bad);
    ASSERT_FALSE(t.ok()) << bad;
    EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(ParseFilter, Limits) {
  std::string many;
  for (int i = 0; i < 17; ++i) {
    many += (i ? " AND " : "") + std::string("a = b");
  }
  EXPECT_FALSE(ParseFilter(many).ok());
  EXPECT_FALSE(ParseFilter(std::string(3000, 'a')).ok());
}

}  // namespace
}  // namespace chitieu

// Tests of the one percent-decoder.

#include "libs/common/percent_encoding.h"

#include <gtest/gtest.h>

namespace chitieu {
namespace {

TEST(PercentDecode, DecodesEscapesAndPlusWhereAsked) {
  EXPECT_EQ(PercentDecode("H%C3%A0%20N%E1%BB%99i", false, MalformedEscape::kRefuse), "Hà Nội");
  EXPECT_EQ(PercentDecode("a+b%2Bc", true, MalformedEscape::kRefuse), "a b+c");
  EXPECT_EQ(PercentDecode("a+b", false, MalformedEscape::kRefuse), "a+b");
  EXPECT_EQ(PercentDecode("%00", false, MalformedEscape::kRefuse), std::string(1, '\0'));
}

TEST(PercentDecode, MalformedEscapesAreRefusedOrKept) {
  for (const char* bad : {"%", "%4", "%zz", "ab%4", "%G1", "x%"}) {
    EXPECT_EQ(PercentDecode(bad, false, MalformedEscape::kRefuse), std::nullopt) << bad;
    EXPECT_EQ(PercentDecode(bad, false, MalformedEscape::kKeep), bad) << bad;
  }
  EXPECT_EQ(PercentDecode("%zz%41", false, MalformedEscape::kKeep), "%zzA");
}

}  // namespace
}  // namespace chitieu

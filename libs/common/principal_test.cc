// Tests of metadata checks and of the principal's encoding.

#include "libs/common/principal.h"

#include "gtest/gtest.h"

namespace chitieu {
namespace {

TEST(MetadataText, AnyUnicodeRoundTripsAsSafeAscii) {
  for (const std::string name :
       {"user:nguy\xe1\xbb\x85n.v\xc4\x83n.a", "system:mx", "a b%c\t\x01\xff", ""}) {
    const std::string encoded = EncodeMetadataText(name);
    EXPECT_TRUE(SafeMetadataValue(encoded)) << encoded;
    EXPECT_EQ(DecodeMetadataText(encoded), name);
  }
  EXPECT_EQ(EncodeMetadataText("user:hk-officer"), "user:hk-officer");
  // Malformed escapes stay as they are.
  EXPECT_EQ(DecodeMetadataText("%4"), "%4");
  EXPECT_EQ(DecodeMetadataText("%zz%"), "%zz%");
}

TEST(MetadataText, OnlyPrintableAsciiIsSafe) {
  EXPECT_TRUE(SafeMetadataValue("Bearer abc-123 ~"));
  EXPECT_FALSE(SafeMetadataValue("caf\xc3\xa9"));
  EXPECT_FALSE(SafeMetadataValue("a\tb"));
  EXPECT_FALSE(SafeMetadataValue(std::string(8193, 'a')));
}

}  // namespace
}  // namespace chitieu

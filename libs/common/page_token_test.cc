// Tests of page tokens and list-request checks.

#include "libs/common/page_token.h"

#include <gtest/gtest.h>

namespace chitieu {
namespace {

TEST(PageToken, RoundTrips) {
  uint64_t fp = Fingerprint("enterprises|unit = \"units/002\"");
  auto key = DecodePageToken(EncodePageToken("0100233488", fp), fp);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(*key, "0100233488");
  EXPECT_EQ(*DecodePageToken("", fp), "");
}

TEST(PageToken, RefusesTokensForOtherParameters) {
  std::string token = EncodePageToken("k", Fingerprint("a"));
  auto key = DecodePageToken(token, Fingerprint("b"));
  EXPECT_EQ(key.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(DecodePageToken("!!!", Fingerprint("a")).ok());
}

TEST(PageSize, DefaultsAndCaps) {
  EXPECT_EQ(*EffectivePageSize(0), kDefaultPageSize);
  EXPECT_EQ(*EffectivePageSize(5000), kMaxPageSize);
  EXPECT_EQ(EffectivePageSize(-1).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace chitieu

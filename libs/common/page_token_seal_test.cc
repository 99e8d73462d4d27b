// Tests that sealed page tokens cannot be forged, replayed or moved between
// callers.

#include "libs/common/page_token_seal.h"

#include "absl/flags/flag.h"
#include "absl/strings/escaping.h"
#include "chitieu/registry/v1/registry.pb.h"
#include "gtest/gtest.h"
#include "libs/common/page_token.h"

namespace chitieu {
namespace {

constexpr char kMethod[] = "/chitieu.registry.v1.RegistryService/ListEnterprises";

registry::v1::ListEnterprisesRequest Query(const std::string& filter) {
  registry::v1::ListEnterprisesRequest r;
  r.set_filter(filter);
  r.set_page_size(10);
  return r;
}

class PageTokenSealTest : public ::testing::Test {
 protected:
  void SetUp() override { absl::SetFlag(&FLAGS_page_token_key, "key-one"); }
  void TearDown() override {
    absl::SetFlag(&FLAGS_page_token_key, "");
    absl::SetFlag(&FLAGS_page_token_previous_key, "");
  }
};

TEST_F(PageTokenSealTest, ATokenComesBackOnlyToItsCallerAndQuery) {
  const std::string inner = EncodePageToken("0100000001", Fingerprint("q"));
  const std::string binding = PageTokenBinding("user:hk", kMethod, Query("unit = \"units/002\""));
  const std::string sealed = SealPageToken(inner, binding);
  EXPECT_EQ(*UnsealPageToken(sealed, binding), inner);
  // The page size may change between pages; the query may not.
  auto bigger = Query("unit = \"units/002\"");
  bigger.set_page_size(50);
  EXPECT_EQ(*UnsealPageToken(sealed, PageTokenBinding("user:hk", kMethod, bigger)), inner);
  // Another caller, another query, another method: refused.
  for (const std::string& other :
       {PageTokenBinding("user:bd", kMethod, Query("unit = \"units/002\"")),
        PageTokenBinding("user:hk", kMethod, Query("unit = \"units/001\"")),
        PageTokenBinding("user:hk", "/chitieu.registry.v1.RegistryService/ListBodies",
                         Query("unit = \"units/002\""))}) {
    auto s = UnsealPageToken(sealed, other);
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(*UnsealPageToken("", binding), "");
}

TEST_F(PageTokenSealTest, ForgedTokensAreRefused) {
  const std::string binding = PageTokenBinding("user:hk", kMethod, Query(""));
  // Finding: a token was plain base64 of a public hash, so one could be
  // made by hand to skip a list ahead. Hand-made ones, old-style or with an
  // edited position, are refused.
  const std::string inner = EncodePageToken("0100000001", Fingerprint("q"));
  const std::string sealed = SealPageToken(inner, binding);
  const std::string forged =
      SealPageToken(EncodePageToken("0999999999", Fingerprint("q")), binding);
  std::string edited = sealed;
  edited.replace(3, forged.find('.', 3) - 3, forged.substr(3, forged.find('.', 3) - 3));
  for (const std::string& bad :
       {inner, edited, std::string("s1.") + inner + ".AAAA", std::string("s1.."),
        sealed.substr(0, sealed.size() - 2), std::string(3000, 'a')}) {
    EXPECT_EQ(UnsealPageToken(bad, binding).status().code(), absl::StatusCode::kInvalidArgument)
        << bad;
  }
  // Under another deployment's key.
  absl::SetFlag(&FLAGS_page_token_key, "key-two");
  EXPECT_FALSE(UnsealPageToken(sealed, binding).ok());
}

TEST_F(PageTokenSealTest, ThePreviousKeyIsAcceptedDuringARotation) {
  const std::string binding = PageTokenBinding("user:hk", kMethod, Query(""));
  const std::string old_token = SealPageToken("abc", binding);
  absl::SetFlag(&FLAGS_page_token_key, "key-two");
  absl::SetFlag(&FLAGS_page_token_previous_key, "key-one");
  EXPECT_EQ(*UnsealPageToken(old_token, binding), "abc");
  absl::SetFlag(&FLAGS_page_token_previous_key, "");
  EXPECT_FALSE(UnsealPageToken(old_token, binding).ok());
}

}  // namespace
}  // namespace chitieu

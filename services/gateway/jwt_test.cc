// JWT verification: RS256 and ES256 over a JWKS, each claim check, and the
// attacks a verifier must refuse (alg switching, unknown keys, tampering).

#include "services/gateway/jwt.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "libs/common/status_macros.h"

namespace chitieu::gateway {
namespace {

class JwtTest : public ::testing::Test {
 protected:
  void SetUp() override {
    rsa_ = *NewSigningKeyPem(false);
    ec_ = *NewSigningKeyPem(true);
    const std::string jwks =
        absl::StrCat(R"({"keys":[)", *PublicJwk(rsa_, "rsa-1"), ",", *PublicJwk(ec_, "ec-1"), "]}");
    auto keys = JwtVerifier::ParseJwks(jwks);
    ASSERT_TRUE(keys.ok()) << keys.status();
    ASSERT_EQ(keys->size(), 2u);
    // One file per process: ctest runs this binary's tests side by side,
    // and one of them writes a broken file on purpose.
    path_ = absl::StrCat(::testing::TempDir(), "/jwks-", getpid(), ".json");
    FILE* f = fopen(path_.c_str(), "w");
    fputs(jwks.c_str(), f);
    fclose(f);
    ASSERT_TRUE(verifier_.Load(path_).ok());
  }

  nlohmann::json Claims() {
    const int64_t now = absl::ToUnixSeconds(absl::Now());
    return {{"iss", "https://id.hanoi.gov.vn"},
            {"aud", "chitieu"},
            {"sub", "nguyen.van.a"},
            {"exp", now + 600},
            {"iat", now - 10},
            {"nbf", now - 10},
            {"chitieu_role", "district_officer"},
            {"chitieu_units", {"units/002"}}};
  }

  absl::StatusOr<Principal> Check(const std::string& pem, const std::string& kid,
                                  const nlohmann::json& claims) {
    ASSIGN_OR_RETURN(auto token, SignJwt(pem, kid, claims.dump()));
    return verifier_.Verify(token, absl::Now());
  }

  std::string rsa_, ec_, path_;
  JwtVerifier verifier_{{"https://id.hanoi.gov.vn", "chitieu"}};
};

TEST_F(JwtTest, AcceptsRs256AndEs256) {
  auto p = Check(rsa_, "rsa-1", Claims());
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->name, "user:nguyen.van.a");
  EXPECT_EQ(p->role, Role::kDistrictOfficer);
  EXPECT_EQ(p->scope, std::set<std::string>{"units/002"});
  auto q = Check(ec_, "ec-1", Claims());
  ASSERT_TRUE(q.ok()) << q.status();

  // JWS wants ES256 signatures as raw R||S (64 bytes), not DER.
  auto token = SignJwt(ec_, "ec-1", Claims().dump());
  std::vector<std::string> parts = absl::StrSplit(*token, '.');
  std::string signature;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(parts[2], &signature));
  EXPECT_EQ(signature.size(), 64u);

  nlohmann::json listed = Claims();
  listed["aud"] = {"other", "chitieu"};
  EXPECT_TRUE(Check(rsa_, "rsa-1", listed).ok());
}

TEST_F(JwtTest, RefusesBadClaims) {
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  auto refused = [&](nlohmann::json claims, const char* why) {
    auto p = Check(rsa_, "rsa-1", claims);
    EXPECT_EQ(p.status().code(), absl::StatusCode::kUnauthenticated) << why;
    EXPECT_NE(p.status().message().find(why), std::string::npos) << p.status();
  };
  auto c = Claims();
  c["exp"] = now - 120;
  refused(c, "expired");
  c = Claims();
  c.erase("exp");
  refused(c, "no exp");
  c = Claims();
  c["nbf"] = now + 600;
  refused(c, "not valid yet");
  c = Claims();
  c["iss"] = "https://evil.example";
  refused(c, "wrong issuer");
  c = Claims();
  c["aud"] = "someone-else";
  refused(c, "wrong audience");
  c = Claims();
  c["chitieu_role"] = "emperor";
  refused(c, "chitieu_role");
  c = Claims();
  c["chitieu_units"] = {"province-01"};
  refused(c, "chitieu_units");
  c = Claims();
  c.erase("sub");
  refused(c, "no sub");
  // Lifetime: iat is required, not in the future, and exp - iat is at most
  // the maximum (24 h by default): a token with exp a century away, or one
  // issued a year from now, is refused.
  c = Claims();
  c.erase("iat");
  refused(c, "no iat");
  c = Claims();
  c["iat"] = now + 365 * 86400;
  c["exp"] = now + 365 * 86400 + 600;
  refused(c, "issued in the future");
  c = Claims();
  c["exp"] = now + 100LL * 365 * 86400;
  refused(c, "lives longer");
  c = Claims();
  c["iat"] = now - 3600;
  c["exp"] = now - 3600 + 86400 + 1;
  refused(c, "lives longer");
  // Exactly the maximum is accepted; iat just ahead within the leeway too.
  c = Claims();
  c["iat"] = now - 3600;
  c["exp"] = now - 3600 + 86400;
  EXPECT_TRUE(Check(rsa_, "rsa-1", c).ok());
  c = Claims();
  c["iat"] = now + 30;
  EXPECT_TRUE(Check(rsa_, "rsa-1", c).ok());

  // Within the leeway an expiry just past is still accepted (clock skew).
  c = Claims();
  c["exp"] = now - 5;
  EXPECT_TRUE(Check(rsa_, "rsa-1", c).ok());
}

TEST_F(JwtTest, RefusesForgeries) {
  // A key the JWKS does not hold, under a kid it does.
  const std::string stranger = *NewSigningKeyPem(false);
  EXPECT_EQ(Check(stranger, "rsa-1", Claims()).status().code(), absl::StatusCode::kUnauthenticated);
  // An unknown kid.
  EXPECT_EQ(Check(rsa_, "rsa-9", Claims()).status().code(), absl::StatusCode::kUnauthenticated);
  // An EC-signed token naming the RSA key.
  EXPECT_EQ(Check(ec_, "rsa-1", Claims()).status().code(), absl::StatusCode::kUnauthenticated);

  // A payload edited after signing (scope widened to the city).
  auto token = *SignJwt(rsa_, "rsa-1", Claims().dump());
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  nlohmann::json widened = Claims();
  widened["chitieu_units"] = {"units/01"};
  parts[1] = absl::WebSafeBase64Escape(widened.dump());
  EXPECT_EQ(verifier_.Verify(absl::StrJoin(parts, "."), absl::Now()).status().code(),
            absl::StatusCode::kUnauthenticated);

  // alg "none" and HS256 (the public key used as an HMAC secret).
  for (const char* alg : {"none", "HS256"}) {
    parts[0] = absl::WebSafeBase64Escape(
        nlohmann::json({{"alg", alg}, {"kid", "rsa-1"}, {"typ", "JWT"}}).dump());
    auto p = verifier_.Verify(absl::StrJoin(parts, "."), absl::Now());
    EXPECT_EQ(p.status().code(), absl::StatusCode::kUnauthenticated) << alg;
  }
}

// Regression (fuzz/jwt_fuzz.cc): members of the wrong JSON type threw out
// of Verify — before the signature was checked, so any caller could take
// the gateway down with a header such as {"alg": 5}. Now they are refused.
TEST_F(JwtTest, MembersOfTheWrongTypeAreRefusedNotThrown) {
  auto token = *SignJwt(rsa_, "rsa-1", Claims().dump());
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  for (const nlohmann::json& header :
       {nlohmann::json{{"alg", 5}, {"kid", "rsa-1"}},
        nlohmann::json{{"alg", "RS256"}, {"kid", {1}}}, nlohmann::json{{"alg", nullptr}}}) {
    parts[0] = absl::WebSafeBase64Escape(header.dump());
    absl::StatusOr<Principal> p = absl::UnknownError("not run");
    EXPECT_NO_THROW(p = verifier_.Verify(absl::StrJoin(parts, "."), absl::Now())) << header;
    EXPECT_EQ(p.status().code(), absl::StatusCode::kUnauthenticated) << header;
  }
  // Signed claims of the wrong types.
  for (const char* claim : {"iss", "sub", "chitieu_role"}) {
    nlohmann::json claims = Claims();
    claims[claim] = {{"not", "a string"}};
    absl::StatusOr<Principal> p = absl::UnknownError("not run");
    EXPECT_NO_THROW(p = Check(rsa_, "rsa-1", claims)) << claim;
    EXPECT_EQ(p.status().code(), absl::StatusCode::kUnauthenticated) << claim;
  }
  EXPECT_NO_THROW(EXPECT_FALSE(
      JwtVerifier::ParseJwks(R"({"keys":[{"kty":"RSA","kid":7,"n":"AQAB","e":"AQAB"}]})").ok()));
}

TEST_F(JwtTest, BadJwksIsRefusedAndKeysInForceStay) {
  EXPECT_FALSE(JwtVerifier::ParseJwks("[]").ok());
  EXPECT_FALSE(
      JwtVerifier::ParseJwks(R"({"keys":[{"kty":"EC","kid":"e","crv":"P-256","x":"AA","y":"AA"}]})")
          .ok());
  FILE* f = fopen(path_.c_str(), "w");
  fputs("not json", f);
  fclose(f);
  EXPECT_FALSE(verifier_.Load(path_).ok());
  EXPECT_TRUE(Check(rsa_, "rsa-1", Claims()).ok());
}

}  // namespace
}  // namespace chitieu::gateway

// Unit tests of the gateway's domain: API keys, the authorization policy
// over a fake directory, and the audit log's hash chain.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <map>

#include "chitieu/quota/v1/quota.pb.h"
#include "chitieu/registry/v1/registry.pb.h"
#include "chitieu/reporting/v1/reporting.pb.h"
#include "google/protobuf/dynamic_message.h"
#include "libs/common/policy.h"
#include "libs/common/sqlite.h"
#include "services/gateway/audit.h"
#include "services/gateway/auth.h"
#include "services/gateway/rate_limit.h"
#include "services/gateway/transcoder.h"

namespace chitieu::gateway {
namespace {

TEST(ApiKeys, ParsesAndAuthenticatesByHash) {
  const std::string text =
      "# comment\n" + Sha256Hex("secret-1") + " user:a district_officer units/002,units/003\n";
  auto parsed = ApiKeys::Parse(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->size(), 1u);
  EXPECT_EQ(parsed->begin()->second.scope.size(), 2u);
  EXPECT_FALSE(ApiKeys::Parse("abc user:a viewer units/01").ok());
  EXPECT_FALSE(ApiKeys::Parse(Sha256Hex("x") + " user:a emperor units/01").ok());
  EXPECT_FALSE(ApiKeys::Parse(Sha256Hex("x") + " user:a viewer province-01").ok());
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(AuditLog, HashChainCatchesAnEditedEntry) {
  char path[] = "/tmp/chitieu-audit-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  {
    auto log = AuditLog::Open(path);
    ASSERT_TRUE(log.ok()) << log.status();
    for (int i = 0; i < 3; ++i) {
      v1::AuditEntry e;
      e.set_principal("user:hk");
      e.set_method("/chitieu.registry.v1.RegistryService/CreateEnterprise");
      e.set_resource("units/002");
      e.set_outcome("OK");
      ASSERT_TRUE((*log)->Append(e).ok());
    }
    EXPECT_TRUE((*log)->Verify().ok());
  }
  {
    // Someone with file access rewrites entry 2's principal.
    auto db = SqliteDb::Open(path);
    ASSERT_TRUE(db.ok());
    auto rows =
        QueryMessages<v1::AuditEntry>(**db, "SELECT data FROM audit WHERE sequence = 2", {});
    ASSERT_TRUE(rows.ok());
    v1::AuditEntry edited = rows->front();
    edited.set_principal("user:someone-else");
    auto stmt = (*db)->Prepare("UPDATE audit SET principal = ?, data = ? WHERE sequence = 2");
    ASSERT_TRUE(stmt.ok());
    ASSERT_TRUE(
        stmt->Bind(1, edited.principal()).BindBlob(2, edited.SerializeAsString()).Run().ok());
  }
  auto log = AuditLog::Open(path);
  absl::Status verified = (*log)->Verify();
  EXPECT_EQ(verified.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(verified.message().find("entry 2"), std::string::npos);
  std::remove(path);
}

}  // namespace
}  // namespace chitieu::gateway

namespace chitieu::gateway {
namespace {

TEST(RateLimiter, TokenBucketPerPrincipal) {
  absl::Time now = absl::UnixEpoch();
  RateLimiter limiter(2.0, 3.0, [&] { return now; });
  EXPECT_TRUE(limiter.Allow("a"));
  EXPECT_TRUE(limiter.Allow("a"));
  EXPECT_TRUE(limiter.Allow("a"));
  EXPECT_FALSE(limiter.Allow("a"));  // The burst is spent.
  EXPECT_TRUE(limiter.Allow("b"));   // Another principal has its own bucket.
  now += absl::Milliseconds(500);    // One token back at 2 a second.
  EXPECT_TRUE(limiter.Allow("a"));
  EXPECT_FALSE(limiter.Allow("a"));
  now += absl::Seconds(10);  // Refills only up to the burst.
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(limiter.Allow("a"));
  }
  EXPECT_FALSE(limiter.Allow("a"));
  RateLimiter off(0, 0);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(off.Allow("a"));
  }
  // A call that fans out costs as much as its calls.
  now += absl::Seconds(10);
  EXPECT_FALSE(limiter.Allow("a", 4));
  EXPECT_TRUE(limiter.Allow("a", 3));
  EXPECT_TRUE(limiter.Exhausted("a"));
  EXPECT_EQ(limiter.RetryAfter("a"), absl::Milliseconds(500));
  // Failed sign-ins are charged after the fact, and the debt is bounded.
  RateLimiter failures(1.0, 2.0, [&] { return now; });
  EXPECT_FALSE(failures.Exhausted("ipv4:10.0.0.1"));
  for (int i = 0; i < 10; ++i) {
    failures.Charge("ipv4:10.0.0.1");
  }
  EXPECT_TRUE(failures.Exhausted("ipv4:10.0.0.1"));
  EXPECT_EQ(failures.RetryAfter("ipv4:10.0.0.1"), absl::Seconds(2));
  now += absl::Seconds(2);
  EXPECT_FALSE(failures.Exhausted("ipv4:10.0.0.1"));
  EXPECT_FALSE(failures.Exhausted("ipv4:10.0.0.2"));
}

}  // namespace
}  // namespace chitieu::gateway

// The audit log on PostgreSQL, as several gateway replicas share it: two
// logs (two replicas) appending at once keep one unbroken hash chain, and
// an edited row is still detected.

#include <gtest/gtest.h>

#include <thread>

#include "libs/common/pg.h"
#include "services/gateway/audit.h"
#include "tests/support/postgres.h"

namespace chitieu::gateway {
namespace {

TEST(AuditLogOnPostgres, TwoReplicasKeepOneChain) {
  testing::PostgresServer server;
  ASSERT_TRUE(server.Start()) << server.error();
  const std::string url = server.Url("audit");
  auto a = AuditLog::Open(url);
  auto b = AuditLog::Open(url);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  constexpr int kEach = 60;
  std::vector<std::thread> writers;
  std::atomic<int> failures{0};
  for (AuditLog* log : {a->get(), b->get()}) {
    writers.emplace_back([log, &failures] {
      for (int i = 0; i < kEach; ++i) {
        v1::AuditEntry e;
        e.set_principal("user:p" + std::to_string(i % 3));
        e.set_method("/chitieu.registry.v1.RegistryService/CreateEnterprise");
        e.set_resource("units/002");
        e.set_outcome("OK");
        if (!log->Append(e).ok()) {
          ++failures;
        }
      }
    });
  }
  for (auto& t : writers) {
    t.join();
  }
  EXPECT_EQ(failures, 0);
  EXPECT_TRUE((*a)->Verify().ok());
  auto all = (*b)->List(0, 1000, "", "", "");
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 2u * kEach);
  for (size_t i = 0; i < all->size(); ++i) {
    EXPECT_EQ((*all)[i].sequence(), int64_t(i + 1));
  }
  auto one = (*a)->List(0, 1000, "user:p1", "", "");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->size(), 2u * kEach / 3);

  // Someone with database access rewrites who did entry 7.
  auto db = PgDb::Open(url);
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->Exec("UPDATE audit SET principal = 'user:nobody' WHERE sequence = 7").ok());
  EXPECT_EQ((*a)->Verify().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace chitieu::gateway

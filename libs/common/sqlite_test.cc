#include "libs/common/sqlite.h"

#include <gtest/gtest.h>

namespace chitieu {
namespace {

TEST(SqliteDb, MigratesOnceAndInOrder) {
  auto db = SqliteDb::Open(":memory:");
  ASSERT_TRUE(db.ok());
  std::vector<std::string> m = {"CREATE TABLE a (x INTEGER)", "CREATE TABLE b (y TEXT)"};
  ASSERT_TRUE((*db)->Migrate(m).ok());
  ASSERT_TRUE((*db)->Migrate(m).ok());  // Idempotent.
  auto older = std::vector<std::string>{m[0]};
  EXPECT_EQ((*db)->Migrate(older).code(), absl::StatusCode::kFailedPrecondition);
}

TEST(SqliteDb, FailedTransactionLeavesNothing) {
  auto db = SqliteDb::Open(":memory:");
  ASSERT_TRUE((*db)->Exec("CREATE TABLE t (k TEXT PRIMARY KEY)").ok());
  absl::Status s = (*db)->InTransaction([&]() -> absl::Status {
    auto st = (*db)->Prepare("INSERT INTO t VALUES (?)");
    if (auto r = st->Bind(1, "a").Run(); !r.ok()) return r;
    return absl::FailedPreconditionError("rule broken");
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  auto count = (*db)->Prepare("SELECT count(*) FROM t");
  ASSERT_TRUE(*count->Step());
  EXPECT_EQ(count->ColumnInt64(0), 0);
}

TEST(SqliteDb, ConstraintIsAlreadyExists) {
  auto db = SqliteDb::Open(":memory:");
  ASSERT_TRUE((*db)->Exec("CREATE TABLE t (k TEXT PRIMARY KEY); INSERT INTO t VALUES ('a')").ok());
  auto st = (*db)->Prepare("INSERT INTO t VALUES (?)");
  EXPECT_EQ(st->Bind(1, "a").Run().code(), absl::StatusCode::kAlreadyExists);
}

}  // namespace
}  // namespace chitieu

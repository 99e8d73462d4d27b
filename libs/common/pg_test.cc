// The PostgreSQL layer against a real PostgreSQL 15 server started for the
// test: parameters and bytes, migrations applied once by racing replicas,
// and no lost update between concurrent writers. The feed is pg_store_test's.

#include "libs/common/pg.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "libs/common/status_macros.h"
#include "tests/support/postgres.h"

namespace chitieu {
namespace {

class PgTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new testing::PostgresServer();
    ASSERT_TRUE(server_->Start()) << server_->error();
  }
  static void TearDownTestSuite() { delete server_; }

  static std::unique_ptr<PgDb> Connect(const std::string& db) {
    auto opened = PgDb::Open(server_->Url(db));
    EXPECT_TRUE(opened.ok()) << opened.status();
    return opened.ok() ? std::move(*opened) : nullptr;
  }

  static testing::PostgresServer* server_;
};

testing::PostgresServer* PgTest::server_ = nullptr;

TEST_F(PgTest, ParametersTextAndBytesRoundTrip) {
  auto db = Connect("roundtrip");
  ASSERT_TRUE(db->Exec("CREATE TABLE t (id BIGINT PRIMARY KEY, name TEXT, data BYTEA)").ok());
  const std::string bytes("a\0b\xff\x01", 5);
  ASSERT_TRUE(db->Query("INSERT INTO t VALUES (?, ?, ?)",
                        {int64_t{-7}, std::string("Quận Hoàn Kiếm"), SqlBlob{bytes}})
                  .ok());
  auto rows = db->Query("SELECT id, name, data, length(data) FROM t WHERE name = ?",
                        {std::string("Quận Hoàn Kiếm")});
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 1);
  EXPECT_EQ(rows->Int64(0, 0), -7);
  EXPECT_EQ(rows->Text(0, 1), "Quận Hoàn Kiếm");
  EXPECT_EQ(rows->Text(0, 2), bytes);
  EXPECT_EQ(rows->Int64(0, 3), 5);
  // A question mark inside a string literal is not a parameter.
  auto literal = db->Query("SELECT 'why?' || ?", {std::string("!")});
  ASSERT_TRUE(literal.ok()) << literal.status();
  EXPECT_EQ(literal->Text(0, 0), "why?!");
  EXPECT_EQ(db->Query("SELECT * FROM missing").status().code(), absl::StatusCode::kInternal);
}

TEST_F(PgTest, MigrationsApplyOnceWhenReplicasStartTogether) {
  const std::vector<std::string> migrations = {
      "CREATE TABLE a (x BIGINT); INSERT INTO a VALUES (1);",
      "INSERT INTO a VALUES (2);",
  };
  std::vector<std::thread> replicas;
  std::atomic<int> failures{0};
  for (int i = 0; i < 4; ++i) {
    replicas.emplace_back([&] {
      auto db = Connect("migrations");
      if (!db || !db->Migrate(migrations).ok()) {
        ++failures;
      }
    });
  }
  for (auto& t : replicas) {
    t.join();
  }
  EXPECT_EQ(failures, 0);
  auto db = Connect("migrations");
  auto rows = db->Query("SELECT count(*) FROM a");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->Int64(0, 0), 2);
  // A binary that knows fewer versions than the database refuses it.
  EXPECT_EQ(db->Migrate({migrations[0]}).code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(PgTest, ConcurrentReadModifyWriteLosesNoUpdate) {
  auto setup = Connect("counter");
  ASSERT_TRUE(
      setup->Exec("CREATE TABLE c (id INT PRIMARY KEY, n BIGINT); INSERT INTO c VALUES (1, 0)")
          .ok());
  constexpr int kEach = 150;
  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 2; ++w) {
    writers.emplace_back([&] {
      auto db = Connect("counter");
      for (int i = 0; i < kEach; ++i) {
        absl::Status s = db->InTransaction([&]() -> absl::Status {
          ASSIGN_OR_RETURN(auto read, db->Query("SELECT n FROM c WHERE id = 1"));
          return db->Query("UPDATE c SET n = ? WHERE id = 1", {read.Int64(0, 0) + 1}).status();
        });
        if (!s.ok()) {
          ++failures;
        }
      }
    });
  }
  for (auto& t : writers) {
    t.join();
  }
  EXPECT_EQ(failures, 0);
  auto rows = setup->Query("SELECT n FROM c WHERE id = 1");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->Int64(0, 0), 2 * kEach);
}

}  // namespace
}  // namespace chitieu

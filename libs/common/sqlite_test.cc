// Tests of the SQLite layer: transactions, migrations, the feed.

#include "libs/common/sqlite.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <set>
#include <thread>
#include <vector>

#include "libs/common/sqlite_outbox.h"
#include "libs/common/sqlite_store.h"
#include "libs/common/status_macros.h"

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
    RETURN_IF_ERROR(st->Bind(1, "a").Run());
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

// A request id claimed a second time: another call with it committed first
// (ABORTED, which Idempotent answers from the stored id), not the
// constraint's ALREADY_EXISTS, which would read as the resource existing.
TEST(SqliteDb, ASecondClaimOfARequestIdSaysAnotherCallWon) {
  auto db = SqliteDb::Open(":memory:");
  ASSERT_TRUE((*db)->Exec(kOutboxSchema).ok());
  const StoredRequest request{"CreateOrganization", "fingerprint", "response"};
  EXPECT_TRUE(SqlClaimRequest(**db, "id-1", request).ok());
  EXPECT_EQ(SqlClaimRequest(**db, "id-1", request).code(), absl::StatusCode::kAborted);
  EXPECT_TRUE(SqlClaimRequest(**db, "id-2", request).ok());
}

// Many writers at once: the transactions that wait are committed in groups
// (one SQLite transaction, a savepoint each). A writer whose body fails
// leaves nothing — not its row, not its change — and the others keep
// theirs; the feed stays gap-free; each writer learns its own outcome.
TEST(SqliteStoreCore, GroupCommitKeepsEachOutcomeApart) {
  // A file, not :memory:, so that commits are durable ones fsync.
  std::string dir = (std::filesystem::temp_directory_path() / "chitieu-group-XXXXXX").string();
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  struct Cleanup {
    std::string path;
    ~Cleanup() { std::filesystem::remove_all(path); }
  } cleanup{dir};
  ChangeNotifier notifier;
  auto core = SqliteStoreCore::Open(
      dir + "/store.db",
      {"CREATE TABLE t (k INTEGER PRIMARY KEY); "
       "CREATE TABLE changes (sequence INTEGER PRIMARY KEY, data BLOB NOT NULL)"},
      &notifier);
  ASSERT_TRUE(core.ok()) << core.status();
  constexpr int kThreads = 16, kEach = 40;
  std::vector<std::thread> threads;
  std::vector<std::vector<absl::Status>> outcomes(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const int64_t k = t * kEach + i;
        outcomes[t].push_back((*core)->Transact([&](SqlSession& db, ChangeLog& log) {
          RETURN_IF_ERROR(db.Run("INSERT INTO t (k) VALUES (?)", {k}));
          RETURN_IF_ERROR(log.Append([&](int64_t, const auto&) { return std::to_string(k); }));
          // Every third fails after writing its row and its change.
          return k % 3 == 0 ? absl::FailedPreconditionError("refused") : absl::OkStatus();
        }));
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  std::set<int64_t> kept;
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kEach; ++i) {
      const int64_t k = t * kEach + i;
      EXPECT_EQ(outcomes[t][i].ok(), k % 3 != 0) << k << ": " << outcomes[t][i];
      if (k % 3 != 0) {
        kept.insert(k);
      }
    }
  }
  std::set<int64_t> rows;
  ASSERT_TRUE((*core)
                  ->Read([&](SqlSession& db) -> absl::Status {
                    ASSIGN_OR_RETURN(auto r, db.Query("SELECT k FROM t", {}));
                    for (int i = 0; i < r.size(); ++i) {
                      rows.insert(r.Int64(i, 0));
                    }
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(rows, kept);
  auto changes = (*core)->ReadChanges(0, 10000);
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->size(), kept.size());
  std::set<int64_t> in_feed;
  for (const auto& c : *changes) {
    in_feed.insert(std::stoll(c.data));
  }
  EXPECT_EQ(in_feed, kept);
  EXPECT_EQ(*(*core)->LastSequence(), static_cast<int64_t>(kept.size()));  // Gap-free.
  EXPECT_EQ(notifier.latest(), static_cast<int64_t>(kept.size()));
}

}  // namespace
}  // namespace chitieu

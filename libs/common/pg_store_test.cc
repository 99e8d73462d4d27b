// The PostgreSQL store core against a real PostgreSQL 15 server: writers
// in parallel from two replicas on one database while a follower reads the
// feed, which stays gap-free and gives each row's changes in the order they
// committed; a database from before the unnumbered feed keeps its changes
// and counters; and a transaction left open holds no other back.

#include "libs/common/pg_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "libs/common/sql_store.h"
#include "libs/common/status_macros.h"
#include "tests/support/postgres.h"
#include "tests/support/wait.h"

namespace chitieu {
namespace {

// A store's first version (a table and the feed of its first version),
// then the version every store with a feed appends.
std::vector<std::string> Migrations() {
  return {absl::StrCat("CREATE TABLE c (id BIGINT PRIMARY KEY, n BIGINT NOT NULL);"
                       "INSERT INTO c VALUES (1, 0);",
                       kPgOutboxSchema, kPgRequestsSchema),
          ParallelWriters({"thing"}).postgres_only};
}

class PgStoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new testing::PostgresServer();
    ASSERT_TRUE(server_->Start()) << server_->error();
  }
  static void TearDownTestSuite() { delete server_; }

  static std::unique_ptr<PgStoreCore> Open(const std::string& db,
                                           ChangeNotifier* notifier = nullptr) {
    auto opened = PgStoreCore::Open(server_->Url(db), Migrations(), notifier);
    EXPECT_TRUE(opened.ok()) << opened.status();
    return opened.ok() ? std::move(*opened) : nullptr;
  }

  // Two replicas of one store on `db`, the first with `notifier`.
  static void OpenTwo(const std::string& db, ChangeNotifier* notifier,
                      std::unique_ptr<PgStoreCore>* a, std::unique_ptr<PgStoreCore>* b) {
    *a = Open(db, notifier);
    *b = Open(db);
    ASSERT_NE(*a, nullptr);
    ASSERT_NE(*b, nullptr);
  }

  // Every change of the feed from the start, with its sequence.
  static std::vector<StoredChange> Feed(PgStoreCore& core) {
    std::vector<StoredChange> all;
    while (true) {
      auto batch = core.ReadChanges(all.empty() ? 0 : all.back().sequence, 500);
      EXPECT_TRUE(batch.ok()) << batch.status();
      if (!batch.ok() || batch->empty()) {
        return all;
      }
      all.insert(all.end(), batch->begin(), batch->end());
    }
  }

  static testing::PostgresServer* server_;
};

testing::PostgresServer* PgStoreTest::server_ = nullptr;

absl::Status Append(ChangeLog& log, const std::string& data) {
  return log.Append([&](int64_t, const auto&) { return data; });
}

// Two replicas on one database, four writers each: on each, two write
// one shared row (so they conflict and retry) and append the value they
// wrote; two write rows of their own and append their count. A follower
// reads as they go. The feed holds every committed change exactly once,
// numbered 1 … n; the shared row's values come 1, 2, 3, …, the order its
// writes committed; and each writer's own changes come in its order.
TEST_F(PgStoreTest, RacingReplicasKeepTheFeedGapFreeAndEachRowInCommitOrder) {
  ChangeNotifier notifier;
  std::unique_ptr<PgStoreCore> a, b;
  ASSERT_NO_FATAL_FAILURE(OpenTwo("race", &notifier, &a, &b));
  constexpr int kEach = 60;
  std::atomic<int> failures{0};
  std::atomic<bool> done{false};
  std::vector<std::thread> writers;
  int next_row = 2;
  for (PgStoreCore* core : {a.get(), b.get()}) {
    for (int w = 0; w < 4; ++w) {
      const int row = w < 2 ? 1 : next_row++;  // Row 1 is shared.
      writers.emplace_back([&, core, row] {
        for (int i = 0; i < kEach; ++i) {
          absl::Status s = core->Transact([&](SqlSession& db, ChangeLog& log) -> absl::Status {
            ASSIGN_OR_RETURN(auto n, db.Query("INSERT INTO c VALUES (?, 1) ON CONFLICT (id) DO "
                                              "UPDATE SET n = c.n + 1 RETURNING n",
                                              {int64_t{row}}));
            return Append(log, absl::StrCat(row, ":", n.Int64(0, 0)));
          });
          failures += !s.ok();
        }
      });
    }
  }
  // The follower: every batch continues the last without a gap.
  int64_t seen = 0;
  bool contiguous = true;
  std::thread follower([&] {
    while (!done) {
      auto batch = a->ReadChanges(seen, 50);
      ASSERT_TRUE(batch.ok()) << batch.status();
      for (const auto& change : *batch) {
        contiguous &= change.sequence == seen + 1;
        seen = change.sequence;
      }
    }
  });
  for (auto& t : writers) {
    t.join();
  }
  done = true;
  follower.join();
  EXPECT_EQ(failures, 0);
  EXPECT_TRUE(contiguous);
  const auto feed = Feed(*b);
  ASSERT_EQ(feed.size(), 8u * kEach);
  std::map<int64_t, int64_t> last;  // row → the last value the feed gave
  for (size_t i = 0; i < feed.size(); ++i) {
    EXPECT_EQ(feed[i].sequence, static_cast<int64_t>(i + 1));
    std::pair<std::string, std::string> parts = absl::StrSplit(feed[i].data, ':');
    int64_t row = 0, n = 0;
    ASSERT_TRUE(absl::SimpleAtoi(parts.first, &row) && absl::SimpleAtoi(parts.second, &n));
    EXPECT_EQ(n, last[row] + 1) << "row " << row << " out of commit order at " << i + 1;
    last[row] = n;
  }
  EXPECT_EQ(last[1], 4 * kEach);
  // Acknowledged means numbered: both replicas' heads are at the end, and
  // this replica's followers were woken up to it.
  EXPECT_EQ(*a->LastSequence(), static_cast<int64_t>(feed.size()));
  EXPECT_EQ(notifier.latest(), static_cast<int64_t>(feed.size()));
}

// A database made before the feed was numbered after commit: its changes
// keep their numbers, new ones follow them, and a counter goes on from the
// value it had.
TEST_F(PgStoreTest, AnOlderDatabaseKeepsItsChangesAndCounters) {
  {
    auto old = PgDb::Open(server_->Url("upgrade"));
    ASSERT_TRUE(old.ok()) << old.status();
    ASSERT_TRUE((*old)->Migrate({Migrations()[0]}).ok());
    ASSERT_TRUE((*old)
                    ->Exec("INSERT INTO changes (sequence, data) VALUES (1, 'x'), (2, 'y');"
                           "UPDATE feed_head SET last = 2;"
                           "INSERT INTO counters VALUES ('thing', 7);")
                    .ok());
  }
  auto core = Open("upgrade");
  ASSERT_NE(core, nullptr);
  int64_t id = 0;
  ASSERT_TRUE(core->Transact([&](SqlSession& db, ChangeLog& log) -> absl::Status {
                    ASSIGN_OR_RETURN(id, db.NextId("thing"));
                    return Append(log, "z");
                  })
                  .ok());
  EXPECT_EQ(id, 8);
  const auto feed = Feed(*core);
  ASSERT_EQ(feed.size(), 3u);
  EXPECT_EQ(feed[0].data, "x");
  EXPECT_EQ(feed[1].data, "y");
  EXPECT_EQ(feed[2].sequence, 3);
  EXPECT_EQ(feed[2].data, "z");
  // A counter the store's migrations did not make is an error, not a row.
  EXPECT_FALSE(
      core->Transact([&](SqlSession& db, ChangeLog&) { return db.NextId("unknown").status(); })
          .ok());
}

// A transaction left open holds nothing back: a later one is acknowledged
// with its change in the feed at once, and the open one's change follows
// when it commits (numbered by the sequencer's own round, since it was not
// written through the core).
TEST_F(PgStoreTest, AnOpenOlderTransactionHoldsNothingBack) {
  auto core = Open("older");
  ASSERT_NE(core, nullptr);
  auto raw = PgDb::Open(server_->Url("older"));
  ASSERT_TRUE(raw.ok());
  PgDb& old = **raw;
  ASSERT_TRUE(old.Exec("BEGIN").ok());
  ASSERT_TRUE(old.Query("INSERT INTO changes (data) VALUES (?)", {SqlBlob{"old"}}).ok());
  ASSERT_TRUE(core->Transact([&](SqlSession&, ChangeLog& log) { return Append(log, "new"); }).ok());
  auto feed = Feed(*core);
  ASSERT_EQ(feed.size(), 1u);
  EXPECT_EQ(feed[0].data, "new");
  ASSERT_TRUE(old.Exec("COMMIT").ok());
  while (Feed(*core).size() < 2) {  // The state, looked at every 5 ms.
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  feed = Feed(*core);
  EXPECT_EQ(feed[1].sequence, 2);
  EXPECT_EQ(feed[1].data, "old");
}

// A bulk import's batches return once committed, while the feed's
// sequencer is held (here by a lock on the feed's head, as a pass of
// another replica would hold it); AwaitFeed returns only once all of them
// are numbered.
TEST_F(PgStoreTest, BatchesReturnBeforeTheFeedShowsThemAndAwaitFeedWaitsForAll) {
  auto core = Open("batches");
  ASSERT_NE(core, nullptr);
  auto hold = testing::FeedHeadHold::Take(server_->Url("batches"));
  ASSERT_TRUE(hold.ok()) << hold.status();
  for (const char* data : {"a", "b", "c"}) {
    ASSERT_TRUE(
        core->TransactBatch([&](SqlSession&, ChangeLog& log) { return Append(log, data); }).ok());
  }
  EXPECT_TRUE(Feed(*core).empty());  // Committed, not yet numbered.
  size_t seen = 0;
  std::thread waiter([&] {
    core->AwaitFeed();
    seen = Feed(*core).size();
  });
  ASSERT_TRUE((*hold)->Release().ok());
  waiter.join();
  EXPECT_EQ(seen, 3u);
}

// The LISTEN connection, through which a replica's followers hear the
// other replicas' commits, is terminated while the database refuses new
// connections: the listener keeps trying, and once the database lets it
// in again it listens again, and the followers are woken to what was
// committed meanwhile (by the listener's catch-up, or by this replica's
// own sequencer if one of its idle passes numbered the other's changes:
// the test cannot tell which; the code before did neither within 60 s).
TEST_F(PgStoreTest, TheListenerComesBackAndCatchesUpAfterItsConnectionIsLost) {
  ChangeNotifier notifier;
  std::unique_ptr<PgStoreCore> a, b;
  ASSERT_NO_FATAL_FAILURE(OpenTwo("listen", &notifier, &a, &b));
  auto admin = PgDb::Open(server_->Url("listen_admin"));
  ASSERT_TRUE(admin.ok()) << admin.status();
  auto listeners = [&]() -> absl::StatusOr<SqlRows> {
    return (*admin)->Query(
        "SELECT pid FROM pg_stat_activity WHERE datname = 'listen' AND query LIKE 'LISTEN %'");
  };
  ASSERT_TRUE((*admin)->Exec("ALTER DATABASE listen ALLOW_CONNECTIONS false").ok());
  auto killed = (*admin)->Query(
      "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity "
      "WHERE datname = 'listen' AND query LIKE 'LISTEN %'");
  ASSERT_TRUE(killed.ok()) << killed.status();
  ASSERT_EQ(killed->size(), 1);
  // Committed by the other replica (on connections it already holds)
  // while nobody listens.
  ASSERT_TRUE(b->Transact([&](SqlSession&, ChangeLog& log) { return Append(log, "x"); }).ok());
  ASSERT_TRUE(b->Transact([&](SqlSession&, ChangeLog& log) { return Append(log, "y"); }).ok());
  auto gone = listeners();
  ASSERT_TRUE(gone.ok()) << gone.status();
  EXPECT_EQ(gone->size(), 0);
  ASSERT_TRUE((*admin)->Exec("ALTER DATABASE listen ALLOW_CONNECTIONS true").ok());
  // Woken to the head (waited on, with a generous bound for a loaded
  // machine).
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (notifier.latest() < 2 && absl::Now() < deadline) {
    auto woken = std::make_shared<absl::Notification>();  // Outlives a late wake-up.
    if (notifier.WaitAfter(notifier.latest(), [woken] { woken->Notify(); })) {
      woken->WaitForNotificationWithDeadline(deadline);
    }
  }
  EXPECT_EQ(notifier.latest(), 2);
  // Listening again (this replica's sequencer may have numbered the other
  // one's changes and woken the followers itself before).
  EXPECT_TRUE(testing::WaitFor([&] {
    auto back = listeners();
    return back.ok() && back->size() == 1;
  }));
}

// The server drops every connection of the store (as a restart does),
// twice: the next write, then the next read, find their pooled connection
// broken, reconnect it and succeed, and the sequencer numbers the write's
// change.
TEST_F(PgStoreTest, WritesAndReadsGoOnAfterTheServerDropsEveryConnection) {
  auto core = Open("dropped");
  ASSERT_NE(core, nullptr);
  ASSERT_TRUE(core->Transact([&](SqlSession&, ChangeLog& log) { return Append(log, "a"); }).ok());
  auto admin = PgDb::Open(server_->Url("dropped_admin"));
  ASSERT_TRUE(admin.ok()) << admin.status();
  auto drop_all = [&](int at_least) {
    auto killed = (*admin)->Query(
        "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 10000)) FROM pg_stat_activity "
        "WHERE datname = 'dropped'");
    ASSERT_TRUE(killed.ok()) << killed.status();
    EXPECT_GE(killed->Int64(0, 0), at_least);
  };
  ASSERT_NO_FATAL_FAILURE(drop_all(2));  // The pool's and the sequencer's.
  // A write that reads first, as the services' do: the read finds the
  // link broken. (One whose first round trip is its COMMIT is not run
  // again: whether that committed is not known.)
  const absl::Status wrote = core->Transact([&](SqlSession& db, ChangeLog& log) -> absl::Status {
    RETURN_IF_ERROR(db.Query("SELECT n FROM c WHERE id = 1").status());
    return Append(log, "b");
  });
  EXPECT_TRUE(wrote.ok()) << wrote;
  ASSERT_NO_FATAL_FAILURE(drop_all(1));  // The sequencer may still be reconnecting.
  const absl::Status read =
      core->Read([](SqlSession& db) { return db.Query("SELECT n FROM c WHERE id = 1").status(); });
  EXPECT_TRUE(read.ok()) << read;
  // Numbered once the sequencer has reconnected (state, not a pause).
  EXPECT_TRUE(testing::WaitFor([&] { return Feed(*core).size() == 2u; }));
  auto feed = Feed(*core);
  ASSERT_EQ(feed.size(), 2u);
  EXPECT_EQ(feed[1].data, "b");
}

}  // namespace
}  // namespace chitieu

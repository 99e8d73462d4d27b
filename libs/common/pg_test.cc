// The PostgreSQL layer against a real PostgreSQL 15 server started for the
// test: parameters and bytes, migrations applied once by racing replicas,
// no lost update between concurrent writers, and transactions whose BEGIN
// and deferred statements travel in one round trip with the next statement
// (pipeline mode). The feed is pg_store_test's.

#include "libs/common/pg.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "libs/common/pg_sequencer.h"
#include "libs/common/status_macros.h"
#include "tests/support/postgres.h"
#include "tests/support/service_process.h"
#include "tests/support/wait.h"

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

  // Connects to `db` through a URL naming first a host in `dir`, then the
  // server: libpq tries them in order, and goes on to the second when the
  // first is not there (a SilentHost may take its place later).
  static std::unique_ptr<PgDb> ConnectAfter(const std::string& dir, const std::string& db,
                                            int connect_timeout) {
    auto opened = PgDb::Open(absl::StrCat(
        absl::StrReplaceAll(server_->Url(db), {{"host=", absl::StrCat("host=", dir, ",")}}),
        "&connect_timeout=", connect_timeout));
    EXPECT_TRUE(opened.ok()) << opened.status();
    return opened.ok() ? std::move(*opened) : nullptr;
  }

  // Ends `db`'s backend from `admin` and waits until it is gone (as a
  // server restart or an administrator would).
  static void Terminate(PgDb& admin, PgDb& db) {
    auto pid = db.Query("SELECT pg_backend_pid()");
    ASSERT_TRUE(pid.ok()) << pid.status();
    auto terminated = admin.Query(
        "SELECT CASE WHEN pg_terminate_backend(?::int, 10000) THEN 'gone' ELSE 'alive' END",
        {pid->Int64(0, 0)});
    ASSERT_TRUE(terminated.ok()) << terminated.status();
    ASSERT_EQ(terminated->Text(0, 0), "gone");
  }

  static testing::PostgresServer* server_;
};

testing::PostgresServer* PgTest::server_ = nullptr;

// A PostgreSQL host in `dir` that takes connections and never answers (as
// one behind a dead link does): a Unix socket listening, never accepting.
class SilentHost {
 public:
  explicit SilentHost(const std::string& dir) : path_(dir + "/.s.PGSQL.5432") {
    fd_ = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path_.c_str(), sizeof(address.sun_path) - 1);
    listening_ = fd_ >= 0 &&
                 bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
                 listen(fd_, 16) == 0;
  }
  ~SilentHost() {
    close(fd_);
    unlink(path_.c_str());
  }
  bool listening() const { return listening_; }
  // Whether a connection waits to be accepted.
  bool reached() const {
    pollfd fd{fd_, POLLIN, 0};
    return poll(&fd, 1, 0) == 1;
  }

 private:
  std::string path_;
  int fd_ = -1;
  bool listening_ = false;
};

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

// Two writers each add one to a counter `kEach` times, reading it and then
// writing it back with `write`, in SERIALIZABLE transactions: the counter
// must end at 2 × kEach, every conflict retried.
constexpr int kEach = 150;
using CounterWrite = std::function<absl::Status(PgDb&, int64_t)>;
void CountTogether(const std::function<std::unique_ptr<PgDb>()>& connect,
                   const CounterWrite& write) {
  auto setup = connect();
  ASSERT_TRUE(
      setup->Exec("CREATE TABLE c (id INT PRIMARY KEY, n BIGINT); INSERT INTO c VALUES (1, 0)")
          .ok());
  std::vector<std::thread> writers;
  for (int w = 0; w < 2; ++w) {
    writers.emplace_back([&] {
      auto db = connect();
      for (int i = 0; i < kEach; ++i) {
        absl::Status s = db->InTransaction([&]() -> absl::Status {
          ASSIGN_OR_RETURN(auto read, db->Query("SELECT n FROM c WHERE id = 1"));
          return write(*db, read.Int64(0, 0) + 1);
        });
        EXPECT_TRUE(s.ok()) << s;
      }
    });
  }
  for (auto& t : writers) {
    t.join();
  }
  auto rows = setup->Query("SELECT n FROM c WHERE id = 1");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->Int64(0, 0), 2 * kEach);
}

TEST_F(PgTest, ConcurrentReadModifyWriteLosesNoUpdate) {
  CountTogether([] { return Connect("counter"); },
                [](PgDb& db, int64_t n) {
                  return db.Query("UPDATE c SET n = ? WHERE id = 1", {n}).status();
                });
}

// The same with the write deferred: its serialization failure, met in the
// round trip of the COMMIT, is retried like any other.
TEST_F(PgTest, ASerializationFailureAtADeferredStatementIsRetried) {
  CountTogether([] { return Connect("deferred_counter"); },
                [](PgDb& db, int64_t n) {
                  EXPECT_TRUE(db.Defer("UPDATE c SET n = ? WHERE id = 1", {n}).ok());
                  return absl::OkStatus();
                });
}

// InTransaction sends BEGIN with the body's first statement and a deferred
// statement with the next one or the COMMIT. Whatever fails in such a
// round trip fails the transaction whole, leaves nothing written, and
// leaves the connection usable.
TEST_F(PgTest, DeferredStatementsFailTheirTransactionWhole) {
  auto db = Connect("deferred");
  ASSERT_TRUE(db->Exec("CREATE TABLE t (id BIGINT PRIMARY KEY, note TEXT)").ok());
  auto count = [&]() -> int64_t {
    auto rows = db->Query("SELECT count(*) FROM t");
    EXPECT_TRUE(rows.ok()) << rows.status();
    return rows.ok() ? rows->Int64(0, 0) : -1;
  };

  // Deferred, then read back within the transaction: the read carries it.
  int64_t seen = -1;
  ASSERT_TRUE(
      db->InTransaction([&]() -> absl::Status {
          EXPECT_TRUE(
              db->Defer("INSERT INTO t VALUES (?, ?)", {int64_t{1}, std::string("a")}).ok());
          ASSIGN_OR_RETURN(auto rows, db->Query("SELECT count(*) FROM t"));
          seen = rows.Int64(0, 0);
          return absl::OkStatus();
        }).ok());
  EXPECT_EQ(seen, 1);
  // Deferred until the COMMIT, which then writes it.
  ASSERT_TRUE(
      db->InTransaction([&]() -> absl::Status {
          EXPECT_TRUE(
              db->Defer("INSERT INTO t VALUES (?, ?)", {int64_t{2}, std::string("b")}).ok());
          return absl::OkStatus();
        }).ok());
  EXPECT_EQ(count(), 2);

  // A deferred statement that fails at COMMIT (a duplicate key): the
  // statement before it is not written either.
  absl::Status duplicate = db->InTransaction([&]() -> absl::Status {
    RETURN_IF_ERROR(db->Query("INSERT INTO t VALUES (?, ?)", {int64_t{3}, std::string("c")}));
    EXPECT_TRUE(db->Defer("INSERT INTO t VALUES (?, ?)", {int64_t{1}, std::string("again")}).ok());
    return absl::OkStatus();
  });
  EXPECT_EQ(duplicate.code(), absl::StatusCode::kInternal) << duplicate;
  EXPECT_TRUE(absl::StrContains(duplicate.message(), "INSERT INTO t")) << duplicate;
  EXPECT_EQ(count(), 2);

  // A body that refuses after deferring: the deferred statement never runs.
  EXPECT_EQ(db->InTransaction([&]() -> absl::Status {
                EXPECT_TRUE(
                    db->Defer("INSERT INTO t VALUES (?, ?)", {int64_t{4}, std::string("d")}).ok());
                return absl::FailedPreconditionError("refused");
              }).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(count(), 2);

  // A statement PostgreSQL cannot prepare, first seen in a round trip with
  // BEGIN: an error each time (no name is kept for it), and the connection
  // still works.
  for (int i = 0; i < 2; ++i) {
    absl::Status bad = db->InTransaction(
        [&]() -> absl::Status { return db->Query("SELECT nosuchcolumn FROM t").status(); });
    EXPECT_EQ(bad.code(), absl::StatusCode::kInternal) << bad;
    EXPECT_TRUE(absl::StrContains(bad.message(), "nosuchcolumn")) << bad;
  }
  // A body that runs nothing commits nothing, and costs no round trip.
  EXPECT_TRUE(db->InTransaction([] { return absl::OkStatus(); }).ok());
  EXPECT_EQ(count(), 2);
  // Outside a transaction, after all of the above, statements run as before.
  ASSERT_TRUE(db->Query("INSERT INTO t VALUES (?, ?)", {int64_t{5}, std::string("e")}).ok());
  EXPECT_EQ(count(), 3);
}

// Reads that do not depend on one another, in one round trip: each
// statement's rows in order, seeing what was deferred before them; one
// statement that fails fails them all, naming itself; the connection works
// after.
TEST_F(PgTest, QueryManyAnswersEachStatementInOrder) {
  auto db = Connect("many");
  ASSERT_TRUE(db->Exec("CREATE TABLE t (id BIGINT PRIMARY KEY, note TEXT);"
                       "CREATE SEQUENCE counter_x")
                  .ok());
  ASSERT_TRUE(db->Query("INSERT INTO t VALUES (1, 'a'), (2, 'b')").ok());
  const std::string kNote = "SELECT note FROM t WHERE id = ?";

  auto rows = db->QueryMany({{kNote, {int64_t{2}}},
                             {kNote, {int64_t{9}}},
                             db->NextIdStatement("x"),
                             {"SELECT count(*) FROM t", {}}});
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 4u);
  EXPECT_EQ((*rows)[0].Text(0, 0), "b");
  EXPECT_TRUE((*rows)[1].empty());
  EXPECT_EQ(NextIdOf((*rows)[2]).value_or(-1), 1);
  EXPECT_EQ((*rows)[3].Int64(0, 0), 2);

  std::vector<SqlRows> seen;
  ASSERT_TRUE(
      db->InTransaction([&]() -> absl::Status {
          RETURN_IF_ERROR(db->Defer("INSERT INTO t VALUES (?, ?)", {int64_t{3}, std::string("c")}));
          ASSIGN_OR_RETURN(seen, db->QueryMany({{kNote, {int64_t{3}}}, db->NextIdStatement("x")}));
          return absl::OkStatus();
        }).ok());
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].Text(0, 0), "c");
  EXPECT_EQ(NextIdOf(seen[1]).value_or(-1), 2);

  auto bad = db->QueryMany(
      {{"SELECT note FROM t", {}}, {"SELECT nosuchcolumn FROM t", {}}, {"SELECT 1", {}}});
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInternal) << bad.status();
  EXPECT_TRUE(absl::StrContains(bad.status().message(), "nosuchcolumn")) << bad.status();

  auto after = db->QueryMany({{"SELECT count(*) FROM t", {}}});
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ((*after)[0].Int64(0, 0), 3);
}

// Review finding: a pipeline that loses its link mid-way reconnects by
// itself, and the sequencer's READ COMMITTED (and a store's
// synchronous_commit) were then gone while the connection looked healthy.
// Session settings are PgDb's own now, applied again by every reconnect.
TEST_F(PgTest, SessionSettingsOutliveAReconnect) {
  auto admin = Connect("session");
  ASSERT_TRUE(
      admin->Exec("ALTER DATABASE session SET default_transaction_isolation = 'repeatable read'")
          .ok());
  auto db = Connect("session");
  auto settings = [&]() -> std::string {
    auto rows = db->Query(
        "SELECT current_setting('transaction_isolation') || ' ' || "
        "current_setting('lock_timeout')");
    return rows.ok() ? rows->Text(0, 0) : rows.status().ToString();
  };
  EXPECT_EQ(settings(), "repeatable read 0");  // The database's defaults.
  // Two calls, as a store's connection and then the sequencer's set them:
  // both kept.
  ASSERT_TRUE(db->SetSession("SET lock_timeout = '7s'").ok());
  ASSERT_TRUE(
      db->SetSession("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED")
          .ok());
  EXPECT_EQ(settings(), "read committed 7s");

  ASSERT_NO_FATAL_FAILURE(Terminate(*admin, *db));
  EXPECT_FALSE(db->Query("SELECT 1").ok());  // The link is gone.
  if (!db->Healthy()) {
    db->Reset();
  }
  EXPECT_TRUE(db->Healthy());
  EXPECT_EQ(settings(), "read committed 7s");
}

// A backend terminated under a running statement: the statement's answer
// is UNAVAILABLE (the caller may try again), not INTERNAL, naming no
// statement, and the connection is no longer Healthy, so its owner resets
// it before another use.
TEST_F(PgTest, ABackendTerminatedMidStatementIsUnavailable) {
  auto admin = Connect("terminated");
  auto db = Connect("terminated");
  auto pid = db->Query("SELECT pg_backend_pid()");
  ASSERT_TRUE(pid.ok()) << pid.status();
  absl::Status slept;
  std::thread sleeper([&] { slept = db->Query("SELECT pg_sleep(60)").status(); });
  // Terminated once the sleep is running (state, not a pause: the backend
  // shows it active).
  bool terminated = false;
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (!terminated && absl::Now() < deadline) {
    auto rows = admin->Query(
        "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity "
        "WHERE pid = ?::int AND state = 'active' AND query LIKE '%pg_sleep%'",
        {pid->Int64(0, 0)});
    ASSERT_TRUE(rows.ok()) << rows.status();
    terminated = rows->size() == 1;
  }
  sleeper.join();
  ASSERT_TRUE(terminated);
  EXPECT_EQ(slept.code(), absl::StatusCode::kUnavailable) << slept;
  EXPECT_EQ(slept.message(), "the database connection was lost; retry");
  EXPECT_FALSE(db->Healthy());
  db->Reset();
  EXPECT_TRUE(db->Healthy());
  EXPECT_TRUE(db->Query("SELECT 1").ok());
}

// The server dropped an idle connection (a restart drops every pooled
// one): the next transaction finds the link broken in its first round
// trip, before anything could commit, and runs again once reconnected.
TEST_F(PgTest, ATransactionOnADroppedConnectionRunsAgainReconnected) {
  auto admin = Connect("dropped");
  auto db = Connect("dropped");
  ASSERT_TRUE(db->Exec("CREATE TABLE t (id BIGINT PRIMARY KEY)").ok());
  ASSERT_NO_FATAL_FAILURE(Terminate(*admin, *db));
  int runs = 0;
  const absl::Status s = db->InTransaction([&]() -> absl::Status {
    ++runs;
    return db->Query("INSERT INTO t VALUES (1)").status();
  });
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(runs, 2);
  auto rows = admin->Query("SELECT count(*) FROM t");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(rows->Int64(0, 0), 1);
}

// A reconnect to a host that takes the connection and never answers gives
// up after its bound (PQreset waited for as long as the socket stayed
// open: a pool's thread held by an outage), and a later one succeeds once
// the host is back.
TEST_F(PgTest, AReconnectToAnUnansweringHostGivesUpAfterItsBound) {
  testing::TempDir dir;
  // No connect_timeout (not even PGCONNECT_TIMEOUT's): the bounded path.
  auto opened = ConnectAfter(dir.path(), "unanswering", 0);
  ASSERT_NE(opened, nullptr);
  PgDb& db = *opened;
  db.set_reopen_bound(absl::Milliseconds(300));
  {
    SilentHost silent(dir.path());
    ASSERT_TRUE(silent.listening());
    const auto start = std::chrono::steady_clock::now();
    db.Reset();
    // It asked the silent host and waited its bound out (a lower bound:
    // nothing here says how long a busy machine takes to give up).
    EXPECT_TRUE(silent.reached());
    EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(300));
    EXPECT_FALSE(db.Healthy());
    EXPECT_TRUE(db.reopen_gave_up());
    auto refused = db.Query("SELECT 1");
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable) << refused.status();
  }
  // A real backend's start may take longer than 300 ms on a loaded machine.
  db.set_reopen_bound(absl::Seconds(60));
  db.Reset();
  EXPECT_FALSE(db.reopen_gave_up());
  EXPECT_TRUE(db.Healthy());
  auto rows = db.Query("SELECT 1");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(rows->Int64(0, 0), 1);
}

// A sequencer whose connection was lost stops while its reconnect waits on
// a host that does not answer: the reconnect is bounded by an hour here,
// so without the sequencer's stop reaching it the test hangs.
TEST_F(PgTest, ASequencerStopsWhileItsReconnectWaitsOnASilentHost) {
  testing::TempDir dir;
  auto admin = Connect("sequencer_stop");
  ASSERT_NE(admin, nullptr);
  auto own = ConnectAfter(dir.path(), "sequencer_stop", 0);
  ASSERT_NE(own, nullptr);
  own->set_reopen_bound(absl::Hours(1));
  auto pid = own->Query("SELECT pg_backend_pid()");
  ASSERT_TRUE(pid.ok()) << pid.status();
  SilentHost silent(dir.path());
  ASSERT_TRUE(silent.listening());
  // No feed's schema here: its passes fail, and keep their connection,
  // until the connection is gone.
  auto sequencer = std::make_unique<PgSequencer>(std::move(own), nullptr, "");
  auto terminated = admin->Query(
      "SELECT CASE WHEN pg_terminate_backend(?::int, 10000) THEN 'gone' ELSE 'alive' END",
      {pid->Int64(0, 0)});
  ASSERT_TRUE(terminated.ok()) << terminated.status();
  ASSERT_EQ(terminated->Text(0, 0), "gone");
  // Its next pass finds the connection lost and reconnects, asking the
  // silent host first.
  ASSERT_TRUE(testing::WaitFor([&] { return silent.reached(); }));
  sequencer.reset();  // Returns: the reconnect gave up when asked to stop.
}

// With a connect_timeout in the URL, a reconnect to a host that does not
// answer in time goes on to the URL's next host (libpq's failover, which
// only its blocking reset does).
TEST_F(PgTest, WithAConnectTimeoutAReconnectGoesOnToTheNextHost) {
  testing::TempDir dir;
  // Whole seconds: 4–5 s for the real host.
  auto opened = ConnectAfter(dir.path(), "failover", 5);
  ASSERT_NE(opened, nullptr);
  PgDb& db = *opened;
  SilentHost silent(dir.path());
  ASSERT_TRUE(silent.listening());
  db.Reset();
  EXPECT_TRUE(silent.reached());
  EXPECT_TRUE(db.Healthy());
  auto rows = db.Query("SELECT 1");
  ASSERT_TRUE(rows.ok()) << rows.status();
}

}  // namespace
}  // namespace chitieu

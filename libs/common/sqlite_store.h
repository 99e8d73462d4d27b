#pragma once

// What every service's SQLite store does the same way: one writing
// connection in WAL mode, migrations at open, transactions serialised by a
// mutex and committed durably, the change feed appended in the same
// transaction, and feed followers notified after the commit (outside the
// lock). Reads (Read, the feed) run on connections of their own, each in a
// read transaction of its own (one snapshot), beside the writer as WAL
// allows: a read never waits for a commit's fsync. (":memory:", a private
// database of one connection, reads on the writer's.)
//
// Group commit: transactions that arrive while another commits wait, and
// the next of them to get the connection runs them all in one SQLite
// transaction, each in a savepoint of its own (a body that fails rolls back
// its savepoint only), with one durable commit (one fsync) for the group.
// Each caller still learns its own outcome, only after the group's commit.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "libs/common/connection_pool.h"
#include "libs/common/feed.h"
#include "libs/common/sql.h"
#include "libs/common/sqlite.h"
#include "libs/common/sqlite_outbox.h"

namespace chitieu {

class SqliteStoreCore : public SqlStoreCore {
 public:
  // Opens `path` (":memory:" for tests), applies `migrations`, and primes
  // `notifier` (if any; it must outlive the core) with the last sequence.
  // `durable`: see SqliteDb::Open.
  static absl::StatusOr<std::unique_ptr<SqliteStoreCore>> Open(
      const std::string& path, const std::vector<std::string>& migrations, ChangeNotifier* notifier,
      bool durable = true);

  // Opens `path` for a database built in one go by one writer and thrown
  // away if the build fails (a read model rebuilt beside the live one): no
  // journal (a failed transaction leaves the file unusable: discard it),
  // no fsync (the builder syncs the file once at the end), the file locked
  // to this connection, reads on the writer's connection, an 8 MiB page
  // cache (a build appends: 128 MiB made a 3,000,000-event replay take
  // 7.5–8.2 s against 4.7–6.2 s; docs/PERFORMANCE.md). Opened again with
  // Open, it is an ordinary WAL database.
  static constexpr int kBuildCacheSize = -8192;  // KiB (PRAGMA cache_size).
  static absl::StatusOr<std::unique_ptr<SqliteStoreCore>> OpenUnjournaled(
      const std::string& path, const std::vector<std::string>& migrations);

  // In BEGIN IMMEDIATE … COMMIT (with others waiting, in a savepoint of
  // the group's transaction); rolled back unless `body` returns OK.
  absl::Status Transact(const std::function<absl::Status(SqlSession&, ChangeLog&)>& body) override;
  absl::Status Read(const std::function<absl::Status(SqlSession&)>& body) override;
  // Runs `body` in a transaction on the writer's connection with SQLite's
  // own API (a statement stepped a row at a time, its text read in place):
  // for work only a SQLite database does, such as finishing a build.
  absl::Status OnWriter(const std::function<absl::Status(SqliteDb&)>& body);
  absl::StatusOr<std::vector<StoredChange>> ReadChanges(int64_t after, int limit) override;
  absl::StatusOr<int64_t> LastSequence() override;

 private:
  // One transaction waiting for its group.
  struct Pending {
    const std::function<absl::Status(SqlSession&, ChangeLog&)>* body;
    absl::Status status;
    int64_t last_appended = 0;
    bool done = false;
  };

  SqliteStoreCore(std::unique_ptr<SqliteDb> db, ChangeNotifier* notifier,
                  std::unique_ptr<ConnectionPool<SqliteDb>> readers)
      : db_(std::move(db)), notifier_(notifier), readers_(std::move(readers)) {}
  // Runs `body` on a reader in a read transaction (on the writer for
  // ":memory:").
  absl::Status ReadOn(const std::function<absl::Status(SqliteDb&)>& body);
  // Runs `group` in one transaction, settling each one's outcome.
  void RunGroup(const std::vector<Pending*>& group) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  std::unique_ptr<SqliteDb> db_ ABSL_GUARDED_BY(mu_);
  ChangeNotifier* notifier_;
  std::unique_ptr<ConnectionPool<SqliteDb>> readers_;  // Null for ":memory:".
  // Transactions waiting for the connection; taken whole by the next one
  // that gets it.
  absl::Mutex queue_mu_ ABSL_ACQUIRED_AFTER(mu_);
  std::vector<Pending*> queue_ ABSL_GUARDED_BY(queue_mu_);
};

}  // namespace chitieu

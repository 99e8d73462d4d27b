#pragma once

// What every service's PostgreSQL store does the same way (the counterpart
// of sqlite_store.h): a pool of connections (connection_pool.h; its size
// `--pg_pool_size`, by default four a core, since a PostgreSQL backend
// spends most of a write waiting on its WAL flush), migrations at
// open, SERIALIZABLE transactions run in parallel and retried on
// conflicts, the change feed inserted in the same transaction and numbered
// after it commits by the sequencer (gap-free and the same for every
// reader across replicas: pg.h, pg_sequencer.h), request ids and counters,
// and feed followers woken — in this replica by the sequencer, in the
// others by NOTIFY, which PostgreSQL delivers on commit to a LISTEN
// connection each replica keeps.

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/timestamp.pb.h"
#include "libs/common/connection_pool.h"
#include "libs/common/feed.h"
#include "libs/common/pg.h"
#include "libs/common/pg_sequencer.h"
#include "libs/common/sql.h"

namespace chitieu {

// Part of each service's first PostgreSQL migration (with kPgOutboxSchema);
// their queries are in sql.h.
inline constexpr char kPgRequestsSchema[] = R"sql(
CREATE TABLE counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
CREATE TABLE requests (
  request_id TEXT PRIMARY KEY,
  method TEXT NOT NULL,
  fingerprint BYTEA NOT NULL,
  response BYTEA NOT NULL
);
)sql";

// Appends changes, unnumbered, within the caller's transaction: deferred
// (PgDb::Defer), so that they travel with the next statement or the COMMIT.
class PgChangeAppender : public ChangeLog {
 public:
  explicit PgChangeAppender(PgDb& db) : db_(db) {}

  absl::Status Append(const std::function<std::string(int64_t, const google::protobuf::Timestamp&)>&
                          serialize) override;
  int64_t last_appended() const override { return 0; }  // Numbered after the commit.
  // One multi-row INSERT a kBatchRows changes.
  absl::Status AppendAll(
      int n,
      const std::function<std::string(int, int64_t, const google::protobuf::Timestamp&)>& serialize)
      override;
  // Whether the transaction appended.
  bool appended() const { return appended_; }
  void Reset() { appended_ = false; }

 private:
  PgDb& db_;
  bool appended_ = false;
};

class PgStoreCore : public SqlStoreCore {
 public:
  // Connects to `url`, migrates, starts the sequencer if the store has a
  // feed, and, with a `notifier` (which must outlive the core), primes it
  // and keeps a LISTEN connection for it.
  // `durable = false` (a read model that can be rebuilt) commits with
  // synchronous_commit off: a crash may lose the last transactions, never
  // part of one, and no commit waits for the WAL's flush.
  static absl::StatusOr<std::unique_ptr<PgStoreCore>> Open(
      const std::string& url, const std::vector<std::string>& migrations, ChangeNotifier* notifier,
      bool durable = true);
  ~PgStoreCore() override;

  // SERIALIZABLE; `body` runs again from the start after a conflict.
  absl::Status Transact(const std::function<absl::Status(SqlSession&, ChangeLog&)>& body) override;
  // Asks the sequencer for a pass and returns: the next batch's statements
  // run while it numbers this one's changes.
  absl::Status TransactBatch(
      const std::function<absl::Status(SqlSession&, ChangeLog&)>& body) override;
  void AwaitFeed() override;
  absl::Status Read(const std::function<absl::Status(SqlSession&)>& body) override;
  absl::StatusOr<std::vector<StoredChange>> ReadChanges(int64_t after, int limit) override;
  absl::StatusOr<int64_t> LastSequence() override;

 private:
  using Pool = ConnectionPool<PgDb>;
  PgStoreCore(std::unique_ptr<Pool> pool, PGconn* listener, ChangeNotifier* notifier);
  void Listen();
  // Runs `read` on a pooled connection, and again once on it reconnected
  // if it found it broken.
  absl::Status OnConnection(const std::function<absl::Status(PgDb&)>& read);
  // Runs `body` in a SERIALIZABLE transaction; whether it appended changes.
  absl::StatusOr<bool> Commit(const std::function<absl::Status(SqlSession&, ChangeLog&)>& body);

  std::unique_ptr<Pool> pool_;
  std::unique_ptr<PgSequencer> sequencer_;  // Null for a store without a feed.
  PGconn* listener_;
  ChangeNotifier* notifier_;
  std::atomic<bool> stopping_{false};
  std::thread listen_thread_;
};

}  // namespace chitieu

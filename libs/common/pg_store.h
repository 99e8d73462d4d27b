#pragma once

// What every service's PostgreSQL store does the same way (the counterpart
// of sqlite_store.h): a connection, migrations at open, SERIALIZABLE
// transactions retried on conflicts, the change feed appended in the same
// transaction (sequences gap-free and in commit order across replicas, see
// pg.h), request ids and counters, and feed followers woken — in this
// replica after the commit, in the others by NOTIFY, which PostgreSQL
// delivers on commit to a LISTEN connection each replica keeps.

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
#include "libs/common/feed.h"
#include "libs/common/pg.h"
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

// Appends changes within the caller's transaction.
class PgChangeAppender : public ChangeLog {
 public:
  explicit PgChangeAppender(PgDb& db) : db_(db) {}

  absl::Status Append(const std::function<std::string(int64_t, const google::protobuf::Timestamp&)>&
                          serialize) override;
  int64_t last_appended() const override { return last_; }
  void Reset() { last_ = 0; }

 private:
  PgDb& db_;
  int64_t last_ = 0;
};

class PgStoreCore : public SqlStoreCore {
 public:
  // Connects to `url`, migrates, and, with a `notifier` (which must outlive
  // the core), primes it and keeps a LISTEN connection for it.
  static absl::StatusOr<std::unique_ptr<PgStoreCore>> Open(
      const std::string& url, const std::vector<std::string>& migrations, ChangeNotifier* notifier);
  ~PgStoreCore() override;

  // SERIALIZABLE; `body` runs again from the start after a conflict.
  absl::Status Transact(const std::function<absl::Status(SqlSession&, ChangeLog&)>& body) override;
  absl::Status Read(const std::function<absl::Status(SqlSession&)>& body) override;
  absl::StatusOr<std::vector<std::string>> ReadChanges(int64_t after, int limit) override;
  absl::StatusOr<int64_t> LastSequence() override;

 private:
  PgStoreCore(std::unique_ptr<PgDb> db, PGconn* listener, ChangeNotifier* notifier);
  void Listen();

  absl::Mutex mu_;
  std::unique_ptr<PgDb> db_ ABSL_GUARDED_BY(mu_);
  PGconn* listener_;
  ChangeNotifier* notifier_;
  std::atomic<bool> stopping_{false};
  std::thread listen_thread_;
};

}  // namespace chitieu

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
#include "libs/common/idempotency.h"
#include "libs/common/pg.h"

namespace chitieu {

// Part of each service's first PostgreSQL migration (with kPgOutboxSchema).
inline constexpr char kPgRequestsSchema[] = R"sql(
CREATE TABLE counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
CREATE TABLE requests (
  request_id TEXT PRIMARY KEY,
  method TEXT NOT NULL,
  fingerprint BYTEA NOT NULL,
  response BYTEA NOT NULL
);
)sql";

absl::StatusOr<std::optional<StoredRequest>> PgGetRequest(PgDb& db, const std::string& request_id);
absl::Status PgPutRequest(PgDb& db, const std::string& request_id, const StoredRequest& request);
absl::StatusOr<int64_t> PgNextId(PgDb& db, const std::string& counter);

// Appends changes within the caller's transaction; `Change` is a
// StreamChangesResponse whose sequence and commit_time are set here.
class PgChangeAppender {
 public:
  explicit PgChangeAppender(PgDb& db) : db_(db) {}

  template <typename Change>
  absl::Status Append(Change change) {
    auto sequence = db_.NextSequence();
    if (!sequence.ok()) return sequence.status();
    change.set_sequence(*sequence);
    SetNow(change.mutable_commit_time());
    if (auto s = db_.InsertChange(*sequence, change.SerializeAsString()); !s.ok()) return s;
    last_ = *sequence;
    return absl::OkStatus();
  }
  int64_t last_appended() const { return last_; }
  void Reset() { last_ = 0; }

 private:
  static void SetNow(google::protobuf::Timestamp* t);
  PgDb& db_;
  int64_t last_ = 0;
};

class PgStoreCore {
 public:
  static absl::StatusOr<std::unique_ptr<PgStoreCore>> Open(
      const std::string& url, const std::vector<std::string>& migrations,
      ChangeNotifier* notifier);
  ~PgStoreCore();

  absl::Status Transact(const std::function<absl::Status(PgDb&, PgChangeAppender&)>& body);
  absl::StatusOr<std::vector<std::string>> ReadChanges(int64_t after, int limit);
  absl::StatusOr<int64_t> LastSequence();

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

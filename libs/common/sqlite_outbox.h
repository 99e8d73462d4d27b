#pragma once

// The tables every service's SQLite store shares, and their queries:
// request ids (idempotency), named counters (ids), and the change feed (a
// transactional outbox: a change is inserted in the same transaction as the
// write it describes, with the next sequence number).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/timestamp.pb.h"
#include "libs/common/idempotency.h"
#include "libs/common/sqlite.h"

namespace chitieu {

// Part of each service's first migration.
inline constexpr char kOutboxSchema[] = R"sql(
CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE requests (
  request_id TEXT PRIMARY KEY,
  method TEXT NOT NULL,
  fingerprint BLOB NOT NULL,
  response BLOB NOT NULL
);
CREATE TABLE changes (sequence INTEGER PRIMARY KEY, data BLOB NOT NULL);
)sql";

absl::StatusOr<std::optional<StoredRequest>> SqliteGetRequest(SqliteDb& db,
                                                              const std::string& request_id);
absl::Status SqlitePutRequest(SqliteDb& db, const std::string& request_id,
                              const StoredRequest& request);

// The next value of a named counter, starting at 1.
absl::StatusOr<int64_t> SqliteNextId(SqliteDb& db, const std::string& counter);

// The highest sequence in the feed, 0 when empty.
absl::StatusOr<int64_t> SqliteLastSequence(SqliteDb& db);

// Appends changes within the caller's transaction. `Change` is a
// StreamChangesResponse: its sequence and commit_time are set here.
class SqliteChangeAppender {
 public:
  explicit SqliteChangeAppender(SqliteDb& db) : db_(db) {}

  template <typename Change>
  absl::Status Append(Change change) {
    if (last_ == 0) {
      auto last = SqliteLastSequence(db_);
      if (!last.ok()) return last.status();
      last_ = *last;
    }
    change.set_sequence(last_ + 1);
    SetNow(change.mutable_commit_time());
    if (auto s = Insert(change.sequence(), change.SerializeAsString()); !s.ok()) return s;
    ++last_;
    appended_ = true;
    return absl::OkStatus();
  }

  // The sequence of the last change appended, if any was.
  int64_t last_appended() const { return appended_ ? last_ : 0; }

 private:
  static void SetNow(google::protobuf::Timestamp* t);
  absl::Status Insert(int64_t sequence, const std::string& bytes);
  SqliteDb& db_;
  int64_t last_ = 0;
  bool appended_ = false;
};

// The serialised changes with sequence > after, in order, at most `limit`.
absl::StatusOr<std::vector<std::string>> SqliteReadChanges(SqliteDb& db, int64_t after, int limit);

}  // namespace chitieu

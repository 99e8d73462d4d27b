#pragma once

// The tables every service's SQLite store shares: request ids
// (idempotency), named counters (ids; their queries are in sql.h), and the
// change feed (a transactional outbox: a change is inserted in the same
// transaction as the write it describes, with the next sequence number).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/timestamp.pb.h"
#include "libs/common/sql.h"
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

// The highest sequence in the feed, 0 when empty.
absl::StatusOr<int64_t> SqliteLastSequence(SqliteDb& db);

// Appends changes within the caller's transaction.
class SqliteChangeAppender : public ChangeLog {
 public:
  explicit SqliteChangeAppender(SqliteDb& db) : db_(db) {}

  absl::Status Append(const std::function<std::string(int64_t, const google::protobuf::Timestamp&)>&
                          serialize) override;
  int64_t last_appended() const override { return appended_ ? last_ : 0; }

 private:
  SqliteDb& db_;
  int64_t last_ = 0;
  bool appended_ = false;
};

// The changes with sequence > after, in order, at most `limit`.
absl::StatusOr<std::vector<StoredChange>> SqliteReadChanges(SqliteDb& db, int64_t after, int limit);

}  // namespace chitieu

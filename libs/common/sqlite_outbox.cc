#include "libs/common/sqlite_outbox.h"

#include "absl/time/clock.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/time_util.h"

namespace chitieu {

absl::StatusOr<std::optional<StoredRequest>> SqliteGetRequest(SqliteDb& db,
                                                              const std::string& request_id) {
  auto stmt = db.Prepare("SELECT method, fingerprint, response FROM requests WHERE request_id = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, request_id);
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<StoredRequest>();
  StoredRequest r{stmt->ColumnText(0), stmt->ColumnBlob(1), stmt->ColumnBlob(2)};
  // Finish the statement so its read lock is released.
  if (auto s = stmt->Run(); !s.ok()) return s;
  return std::optional<StoredRequest>(std::move(r));
}

absl::Status SqlitePutRequest(SqliteDb& db, const std::string& request_id, const StoredRequest& r) {
  auto stmt = db.Prepare(
      "INSERT INTO requests (request_id, method, fingerprint, response) VALUES (?, ?, ?, ?)");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, request_id).Bind(2, r.method).BindBlob(3, r.fingerprint).BindBlob(4, r.response);
  return stmt->Run();
}

absl::StatusOr<int64_t> SqliteNextId(SqliteDb& db, const std::string& counter) {
  auto stmt = db.Prepare(
      "INSERT INTO counters (name, value) VALUES (?, 1) "
      "ON CONFLICT(name) DO UPDATE SET value = value + 1 RETURNING value");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, counter);
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) return absl::InternalError("counter returned no row");
  int64_t value = stmt->ColumnInt64(0);
  if (auto s = stmt->Run(); !s.ok()) return s;
  return value;
}

absl::StatusOr<int64_t> SqliteLastSequence(SqliteDb& db) {
  auto stmt = db.Prepare("SELECT coalesce(max(sequence), 0) FROM changes");
  if (!stmt.ok()) return stmt.status();
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  int64_t last = stmt->ColumnInt64(0);
  if (auto s = stmt->Run(); !s.ok()) return s;
  return last;
}

void SqliteChangeAppender::SetNow(google::protobuf::Timestamp* t) {
  *t = google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::GetCurrentTimeNanos());
}

absl::Status SqliteChangeAppender::Insert(int64_t sequence, const std::string& bytes) {
  auto stmt = db_.Prepare("INSERT INTO changes (sequence, data) VALUES (?, ?)");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, sequence).BindBlob(2, bytes);
  return stmt->Run();
}

absl::StatusOr<std::vector<std::string>> SqliteReadChanges(SqliteDb& db, int64_t after, int limit) {
  auto stmt = db.Prepare("SELECT data FROM changes WHERE sequence > ? ORDER BY sequence LIMIT ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, after).Bind(2, static_cast<int64_t>(limit));
  std::vector<std::string> out;
  while (true) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    out.push_back(stmt->ColumnBlob(0));
  }
  return out;
}

}  // namespace chitieu

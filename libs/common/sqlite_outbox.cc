#include "libs/common/sqlite_outbox.h"

#include "absl/time/clock.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/time_util.h"

namespace chitieu {

absl::StatusOr<int64_t> SqliteLastSequence(SqliteDb& db) {
  auto stmt = db.Prepare("SELECT coalesce(max(sequence), 0) FROM changes");
  if (!stmt.ok()) return stmt.status();
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  int64_t last = stmt->ColumnInt64(0);
  if (auto s = stmt->Run(); !s.ok()) return s;
  return last;
}

absl::Status SqliteChangeAppender::Append(
    const std::function<std::string(int64_t, const google::protobuf::Timestamp&)>& serialize) {
  if (last_ == 0) {
    auto last = SqliteLastSequence(db_);
    if (!last.ok()) return last.status();
    last_ = *last;
  }
  const auto now =
      google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::GetCurrentTimeNanos());
  if (auto s = db_.Run("INSERT INTO changes (sequence, data) VALUES (?, ?)",
                       {last_ + 1, SqlBlob{serialize(last_ + 1, now)}});
      !s.ok()) {
    return s;
  }
  ++last_;
  appended_ = true;
  return absl::OkStatus();
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

// The change feed's table on SQLite (sqlite_outbox.h).

#include "libs/common/sqlite_outbox.h"

#include "absl/time/clock.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/time_util.h"
#include "libs/common/status_macros.h"

namespace chitieu {

absl::StatusOr<int64_t> SqliteLastSequence(SqliteDb& db) {
  ASSIGN_OR_RETURN(auto stmt, db.Prepare("SELECT coalesce(max(sequence), 0) FROM changes"));
  RETURN_IF_ERROR(stmt.Step());
  int64_t last = stmt.ColumnInt64(0);
  RETURN_IF_ERROR(stmt.Run());
  return last;
}

absl::Status SqliteChangeAppender::Append(
    const std::function<std::string(int64_t, const google::protobuf::Timestamp&)>& serialize) {
  if (last_ == 0) {
    ASSIGN_OR_RETURN(auto last, SqliteLastSequence(db_));
    last_ = last;
  }
  const auto now =
      google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::GetCurrentTimeNanos());
  RETURN_IF_ERROR(db_.Run("INSERT INTO changes (sequence, data) VALUES (?, ?)",
                          {last_ + 1, SqlBlob{serialize(last_ + 1, now)}}));
  ++last_;
  appended_ = true;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<StoredChange>> SqliteReadChanges(SqliteDb& db, int64_t after,
                                                            int limit) {
  ASSIGN_OR_RETURN(auto stmt, db.Prepare("SELECT sequence, data FROM changes WHERE sequence > ? "
                                         "ORDER BY sequence LIMIT ?"));
  stmt.Bind(1, after).Bind(2, static_cast<int64_t>(limit));
  std::vector<StoredChange> out;
  while (true) {
    ASSIGN_OR_RETURN(auto row, stmt.Step());
    if (!row) {
      break;
    }
    out.push_back({stmt.ColumnInt64(0), stmt.ColumnBlob(1)});
  }
  return out;
}

}  // namespace chitieu

#include "services/gateway/audit.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/time_util.h"
#include "services/gateway/auth.h"

namespace chitieu::gateway {
namespace {

constexpr char kSchema[] = R"sql(
CREATE TABLE audit (
  sequence INTEGER PRIMARY KEY,
  principal TEXT NOT NULL,
  method TEXT NOT NULL,
  resource TEXT NOT NULL,
  data BLOB NOT NULL
);
)sql";

}  // namespace

std::string AuditLog::ChainHash(const std::string& previous, const v1::AuditEntry& e) {
  // Fields joined with a separator that cannot occur in them (NUL).
  const std::string time = google::protobuf::util::TimeUtil::ToString(e.time());
  return Sha256Hex(absl::StrCat(
      previous, std::string(1, '\0'), e.sequence(), std::string(1, '\0'), time,
      std::string(1, '\0'), e.principal(), std::string(1, '\0'), e.method(), std::string(1, '\0'),
      e.resource(), std::string(1, '\0'), e.request_id(), std::string(1, '\0'), e.outcome()));
}

absl::StatusOr<std::unique_ptr<AuditLog>> AuditLog::Open(const std::string& path) {
  auto db = SqliteDb::Open(path);
  if (!db.ok()) return db.status();
  if (auto s = (*db)->Migrate({kSchema}); !s.ok()) return s;
  return std::unique_ptr<AuditLog>(new AuditLog(std::move(*db)));
}

absl::Status AuditLog::Append(v1::AuditEntry entry) {
  absl::MutexLock lock(&mu_);
  return db_->InTransaction([&]() -> absl::Status {
    auto last = QueryMessages<v1::AuditEntry>(
        *db_, "SELECT data FROM audit ORDER BY sequence DESC LIMIT 1", {});
    if (!last.ok()) return last.status();
    const std::string previous = last->empty() ? "" : last->front().hash();
    entry.set_sequence(last->empty() ? 1 : last->front().sequence() + 1);
    *entry.mutable_time() =
        google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::GetCurrentTimeNanos());
    entry.set_hash(ChainHash(previous, entry));
    auto stmt = db_->Prepare(
        "INSERT INTO audit (sequence, principal, method, resource, data) VALUES (?, ?, ?, ?, ?)");
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, entry.sequence()).Bind(2, entry.principal()).Bind(3, entry.method());
    stmt->Bind(4, entry.resource()).BindBlob(5, entry.SerializeAsString());
    return stmt->Run();
  });
}

absl::StatusOr<std::vector<v1::AuditEntry>> AuditLog::List(int64_t after, int limit,
                                                           const std::string& principal,
                                                           const std::string& method,
                                                           const std::string& resource) {
  absl::MutexLock lock(&mu_);
  std::string sql = "SELECT data FROM audit WHERE sequence > ?";
  std::vector<SqlArg> args = {after};
  if (!principal.empty()) {
    sql += " AND principal = ?";
    args.push_back(principal);
  }
  if (!method.empty()) {
    sql += " AND method = ?";
    args.push_back(method);
  }
  if (!resource.empty()) {
    sql += " AND resource = ?";
    args.push_back(resource);
  }
  sql += " ORDER BY sequence LIMIT ?";
  args.push_back(int64_t{limit});
  return QueryMessages<v1::AuditEntry>(*db_, sql, args);
}

absl::Status AuditLog::Verify() {
  absl::MutexLock lock(&mu_);
  auto stmt = db_->Prepare(
      "SELECT sequence, principal, method, resource, data FROM audit ORDER BY sequence");
  if (!stmt.ok()) return stmt.status();
  std::string previous;
  int64_t expected = 1;
  while (true) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    v1::AuditEntry e;
    const int64_t sequence = stmt->ColumnInt64(0);
    if (!e.ParseFromString(stmt->ColumnBlob(4)) || sequence != expected ||
        e.sequence() != sequence || e.principal() != stmt->ColumnText(1) ||
        e.method() != stmt->ColumnText(2) || e.resource() != stmt->ColumnText(3) ||
        ChainHash(previous, e) != e.hash()) {
      return absl::DataLossError(absl::StrCat("audit entry ", expected, " was altered or removed"));
    }
    previous = e.hash();
    ++expected;
  }
  return absl::OkStatus();
}

}  // namespace chitieu::gateway

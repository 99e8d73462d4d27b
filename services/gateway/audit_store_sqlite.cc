#include "absl/synchronization/mutex.h"
#include "libs/common/sqlite.h"
#include "services/gateway/audit_store.h"

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

// The WHERE clause and arguments of a filtered list.
std::pair<std::string, std::vector<SqlArg>> Filter(int64_t after, const std::string& principal,
                                                   const std::string& method,
                                                   const std::string& resource) {
  std::string sql = " WHERE sequence > ?";
  std::vector<SqlArg> args = {after};
  for (const auto& [column, value] :
       {std::pair<const char*, const std::string&>{"principal", principal},
        {"method", method},
        {"resource", resource}}) {
    if (value.empty()) continue;
    sql += std::string(" AND ") + column + " = ?";
    args.push_back(value);
  }
  return {sql, args};
}

class SqliteAuditStore : public AuditStore {
 public:
  explicit SqliteAuditStore(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}

  absl::Status Append(const MakeEntry& make) override {
    absl::MutexLock lock(&mu_);
    return db_->InTransaction([&]() -> absl::Status {
      auto last = QueryMessages<v1::AuditEntry>(
          *db_, "SELECT data FROM audit ORDER BY sequence DESC LIMIT 1", {});
      if (!last.ok()) return last.status();
      auto entry = make(last->empty() ? std::nullopt : std::optional(last->front()));
      if (!entry.ok()) return entry.status();
      auto stmt = db_->Prepare(
          "INSERT INTO audit (sequence, principal, method, resource, data) VALUES (?, ?, ?, ?, ?)");
      if (!stmt.ok()) return stmt.status();
      stmt->Bind(1, entry->sequence()).Bind(2, entry->principal()).Bind(3, entry->method());
      stmt->Bind(4, entry->resource()).BindBlob(5, entry->SerializeAsString());
      return stmt->Run();
    });
  }

  absl::StatusOr<std::vector<v1::AuditEntry>> List(int64_t after, int limit,
                                                   const std::string& principal,
                                                   const std::string& method,
                                                   const std::string& resource) override {
    absl::MutexLock lock(&mu_);
    auto [where, args] = Filter(after, principal, method, resource);
    args.push_back(int64_t{limit});
    return QueryMessages<v1::AuditEntry>(
        *db_, "SELECT data FROM audit" + where + " ORDER BY sequence LIMIT ?", args);
  }

  absl::StatusOr<std::vector<AuditRow>> Rows() override {
    absl::MutexLock lock(&mu_);
    auto stmt = db_->Prepare(
        "SELECT sequence, principal, method, resource, data FROM audit ORDER BY sequence");
    if (!stmt.ok()) return stmt.status();
    std::vector<AuditRow> rows;
    while (true) {
      auto row = stmt->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      rows.push_back({stmt->ColumnInt64(0), stmt->ColumnText(1), stmt->ColumnText(2),
                      stmt->ColumnText(3), stmt->ColumnBlob(4)});
    }
    return rows;
  }

 private:
  absl::Mutex mu_;
  std::unique_ptr<SqliteDb> db_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

absl::StatusOr<std::unique_ptr<AuditStore>> OpenSqliteAuditStore(const std::string& path) {
  auto db = SqliteDb::Open(path);
  if (!db.ok()) return db.status();
  if (auto s = (*db)->Migrate({kSchema}); !s.ok()) return s;
  return std::unique_ptr<AuditStore>(new SqliteAuditStore(std::move(*db)));
}

}  // namespace chitieu::gateway

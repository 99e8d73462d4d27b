#include "absl/synchronization/mutex.h"
#include "libs/common/pg.h"
#include "services/gateway/audit_store.h"

namespace chitieu::gateway {
namespace {

// Versioned schema; a new version is appended, never edited.
const std::vector<std::string>& Migrations() {
  static const std::vector<std::string> kMigrations = {R"sql(
CREATE TABLE audit (
  sequence BIGINT PRIMARY KEY,
  principal TEXT NOT NULL,
  method TEXT NOT NULL,
  resource TEXT NOT NULL,
  data BYTEA NOT NULL
);
CREATE INDEX audit_principal ON audit (principal, sequence);
)sql"};
  return kMigrations;
}

absl::StatusOr<std::vector<v1::AuditEntry>> Entries(const PgRows& rows) {
  std::vector<v1::AuditEntry> out(rows.size());
  for (int i = 0; i < rows.size(); ++i) {
    if (!out[i].ParseFromString(rows.Bytes(i, 0))) {
      return absl::DataLossError("a stored audit entry cannot be parsed");
    }
  }
  return out;
}

// Several gateway replicas append to one table: each append reads the last
// entry and inserts the next in a SERIALIZABLE transaction, so two replicas
// that race conflict and one retries on top of the other's entry.
class PgAuditStore : public AuditStore {
 public:
  explicit PgAuditStore(std::unique_ptr<PgDb> db) : db_(std::move(db)) {}

  absl::Status Append(const MakeEntry& make) override {
    absl::MutexLock lock(&mu_);
    return db_->InTransaction([&]() -> absl::Status {
      auto last = db_->Query("SELECT data FROM audit ORDER BY sequence DESC LIMIT 1");
      if (!last.ok()) return last.status();
      auto entries = Entries(*last);
      if (!entries.ok()) return entries.status();
      auto entry = make(entries->empty() ? std::nullopt : std::optional(entries->front()));
      if (!entry.ok()) return entry.status();
      return db_
          ->Query("INSERT INTO audit (sequence, principal, method, resource, data) "
                  "VALUES (?, ?, ?, ?, ?)",
                  {entry->sequence(), entry->principal(), entry->method(), entry->resource(),
                   PgBytes{entry->SerializeAsString()}})
          .status();
    });
  }

  absl::StatusOr<std::vector<v1::AuditEntry>> List(int64_t after, int limit,
                                                   const std::string& principal,
                                                   const std::string& method,
                                                   const std::string& resource) override {
    absl::MutexLock lock(&mu_);
    // Empty filters match everything.
    auto rows = db_->Query(
        "SELECT data FROM audit WHERE sequence > ? AND (? = '' OR principal = ?) AND "
        "(? = '' OR method = ?) AND (? = '' OR resource = ?) ORDER BY sequence LIMIT ?",
        {after, principal, principal, method, method, resource, resource, int64_t{limit}});
    if (!rows.ok()) return rows.status();
    return Entries(*rows);
  }

  absl::StatusOr<std::vector<AuditRow>> Rows() override {
    absl::MutexLock lock(&mu_);
    auto rows = db_->Query(
        "SELECT sequence, principal, method, resource, data FROM audit ORDER BY sequence");
    if (!rows.ok()) return rows.status();
    std::vector<AuditRow> out;
    for (int i = 0; i < rows->size(); ++i) {
      out.push_back({rows->Int64(i, 0), rows->Bytes(i, 1), rows->Bytes(i, 2), rows->Bytes(i, 3),
                     rows->Bytes(i, 4)});
    }
    return out;
  }

 private:
  absl::Mutex mu_;
  std::unique_ptr<PgDb> db_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

absl::StatusOr<std::unique_ptr<AuditStore>> OpenPgAuditStore(const std::string& url) {
  auto db = PgDb::Open(url);
  if (!db.ok()) return db.status();
  if (auto s = (*db)->Migrate(Migrations()); !s.ok()) return s;
  return std::unique_ptr<AuditStore>(new PgAuditStore(std::move(*db)));
}

}  // namespace chitieu::gateway

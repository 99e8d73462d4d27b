// The audit log's SQL store on SQLite or PostgreSQL (audit_store.h).

#include <set>

#include "libs/common/sql_store.h"
#include "libs/common/status_macros.h"
#include "services/gateway/audit_store.h"

namespace chitieu::gateway {
namespace {

// The versioned schema, written once for both backends (PortableMigrations
// in libs/common/sql_store.h); a new version is appended, never edited.
const SqlMigrations& Migrations() {
  static const SqlMigrations kMigrations = PortableMigrations({
      {.tables = R"sql(
CREATE TABLE audit (
  sequence INTEGER PRIMARY KEY,
  principal TEXT NOT NULL,
  method TEXT NOT NULL,
  resource TEXT NOT NULL,
  data BLOB NOT NULL
);
)sql",
       // Only PostgreSQL has had this index from the start; adding it to
       // SQLite would be a version 3, which an older gateway then refuses.
       .postgres_only = "CREATE INDEX audit_principal ON audit (principal, sequence);\n"},
      // 2: the units each entry was about, for auditors' scopes.
      {.tables = R"sql(
CREATE TABLE audit_units (
  sequence INTEGER NOT NULL,
  unit TEXT NOT NULL,
  PRIMARY KEY (unit, sequence)
);
)sql"},
  });
  return kMigrations;
}

// The WHERE clause and arguments of a filtered list.
std::pair<std::string, std::vector<SqlValue>> Filter(int64_t after, const std::string& principal,
                                                     const std::string& method,
                                                     const std::string& resource,
                                                     const std::set<std::string>* units) {
  std::string sql = " WHERE sequence > ?";
  std::vector<SqlValue> args = {after};
  for (const auto& [column, value] :
       {std::pair<const char*, const std::string&>{"principal", principal},
        {"method", method},
        {"resource", resource}}) {
    if (value.empty()) {
      continue;
    }
    sql += std::string(" AND ") + column + " = ?";
    args.push_back(value);
  }
  if (units != nullptr) {
    sql +=
        " AND EXISTS (SELECT 1 FROM audit_units u WHERE u.sequence = audit.sequence AND u.unit IN "
        "(";
    if (units->empty()) {
      sql += "NULL";
    }
    bool first = true;
    for (const auto& unit : *units) {
      sql += first ? "?" : ", ?";
      first = false;
      args.push_back(unit);
    }
    sql += "))";
  }
  return {sql, args};
}

// One table in SQLite or PostgreSQL. Several gateway replicas may append to
// one PostgreSQL table: each append reads the last entry and inserts the
// next in a SERIALIZABLE transaction, so two replicas that race conflict
// and one retries on top of the other's entry. Within a replica, appends
// take turns (`append_mu_`): the store's connections run in parallel, and
// a replica's own appends racing on the chain's tail would only conflict,
// retry and, past the retries, drop an entry.
class SqlAuditStore : public AuditStore {
 public:
  explicit SqlAuditStore(std::unique_ptr<SqlStoreCore> core) : core_(std::move(core)) {}

  absl::Status Append(const MakeEntry& make) override {
    absl::MutexLock turn(&append_mu_);
    return core_->Transact([&](SqlSession& db, ChangeLog&) -> absl::Status {
      ASSIGN_OR_RETURN(auto last,
                       QueryOptionalMessage<v1::AuditEntry>(
                           db, "SELECT data FROM audit ORDER BY sequence DESC LIMIT 1", {}));
      ASSIGN_OR_RETURN(auto entry, make(last));
      RETURN_IF_ERROR(
          db.Run("INSERT INTO audit (sequence, principal, method, resource, data) "
                 "VALUES (?, ?, ?, ?, ?)",
                 {entry.sequence(), entry.principal(), entry.method(), entry.resource(),
                  SqlBlob{entry.SerializeAsString()}}));
      for (const auto& unit : std::set<std::string>(entry.units().begin(), entry.units().end())) {
        RETURN_IF_ERROR(db.Run("INSERT INTO audit_units (sequence, unit) VALUES (?, ?)",
                               {entry.sequence(), unit}));
      }
      return absl::OkStatus();
    });
  }

  absl::StatusOr<std::vector<v1::AuditEntry>> List(int64_t after, int limit,
                                                   const std::string& principal,
                                                   const std::string& method,
                                                   const std::string& resource,
                                                   const std::set<std::string>* units) override {
    // Not a structured binding: clang 14 cannot capture one in the lambda.
    std::pair<std::string, std::vector<SqlValue>> filter =
        Filter(after, principal, method, resource, units);
    const std::string& where = filter.first;
    std::vector<SqlValue>& args = filter.second;
    args.push_back(int64_t{limit});
    std::vector<v1::AuditEntry> out;
    RETURN_IF_ERROR(core_->Read([&](SqlSession& db) -> absl::Status {
      ASSIGN_OR_RETURN(
          auto entries,
          QueryMessages<v1::AuditEntry>(
              db, "SELECT data FROM audit" + where + " ORDER BY sequence LIMIT ?", args));
      out = std::move(entries);
      return absl::OkStatus();
    }));
    return out;
  }

  absl::StatusOr<std::vector<AuditRow>> Rows() override {
    std::vector<AuditRow> out;
    RETURN_IF_ERROR(core_->Read([&](SqlSession& db) -> absl::Status {
      ASSIGN_OR_RETURN(
          auto rows,
          db.Query(
              "SELECT sequence, principal, method, resource, data FROM audit ORDER BY sequence"));
      for (int i = 0; i < rows.size(); ++i) {
        out.push_back(
            {rows.Int64(i, 0), rows.Text(i, 1), rows.Text(i, 2), rows.Text(i, 3), rows.Text(i, 4)});
      }
      return absl::OkStatus();
    }));
    return out;
  }

 private:
  std::unique_ptr<SqlStoreCore> core_;
  absl::Mutex append_mu_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<AuditStore>> OpenAuditStore(const std::string& location) {
  ASSIGN_OR_RETURN(auto core, OpenSqlStoreCore(location, Migrations(), /*notifier=*/nullptr));
  return std::unique_ptr<AuditStore>(new SqlAuditStore(std::move(core)));
}

}  // namespace chitieu::gateway

// The approvals store on SQLite or PostgreSQL: schema, queries, feed
// (approval_store.h).

#include "services/reporting/approval_store_sql.h"

#include "absl/strings/str_cat.h"
#include "libs/common/pg_store.h"
#include "libs/common/sqlite_outbox.h"
#include "libs/common/status_macros.h"

namespace chitieu::reporting {
namespace {

// The versioned schema, written once for both backends (PortableMigrations
// in libs/common/sql_store.h); a new version is appended, never edited.
const SqlMigrations& Migrations() {
  static const SqlMigrations kMigrations = PortableMigrations({
      {.tables = R"sql(
CREATE TABLE reports (
  unit TEXT NOT NULL,
  year INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (unit, year)
);
CREATE INDEX reports_year ON reports(year, unit);
CREATE TABLE transitions (
  unit TEXT NOT NULL,
  year INTEGER NOT NULL,
  id INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (unit, year, id)
);
CREATE TABLE deadlines (year INTEGER PRIMARY KEY, data BLOB NOT NULL);
)sql",
       .with_outbox = true},
      ParallelWriters({"transition"}),
  });
  return kMigrations;
}

class SqlTx : public SqlTxBase<ApprovalTx, v1::StreamChangesResponse> {
 public:
  using SqlTxBase::SqlTxBase;

  absl::StatusOr<std::optional<v1::Report>> GetReport(const std::string& unit_code,
                                                      int year) override {
    ASSIGN_OR_RETURN(auto rows, QueryMessages<v1::Report>(
                                    db_, "SELECT data FROM reports WHERE unit = ? AND year = ?",
                                    {unit_code, int64_t{year}}));
    if (rows.empty()) {
      return std::optional<v1::Report>();
    }
    return std::optional<v1::Report>(std::move(rows.front()));
  }

  absl::Status PutReport(const std::string& unit_code, int year, const v1::Report& r) override {
    return db_
        .Query(
            "INSERT INTO reports (unit, year, data) VALUES (?, ?, ?) ON CONFLICT (unit, year) DO "
            "UPDATE SET data = excluded.data",
            {unit_code, int64_t{year}, SqlBlob{r.SerializeAsString()}})
        .status();
  }

  absl::StatusOr<std::vector<v1::Report>> ReportsOfYear(int year) override {
    return QueryMessages<v1::Report>(db_, "SELECT data FROM reports WHERE year = ? ORDER BY unit",
                                     {int64_t{year}});
  }

  absl::Status AddTransition(const std::string& unit_code, int year,
                             const v1::ReportTransition& t) override {
    ASSIGN_OR_RETURN(auto id, NextId("transition"));
    return db_
        .Query("INSERT INTO transitions (unit, year, id, data) VALUES (?, ?, ?, ?)",
               {unit_code, int64_t{year}, id, SqlBlob{t.SerializeAsString()}})
        .status();
  }

  absl::StatusOr<std::vector<v1::ReportTransition>> Transitions(const std::string& unit_code,
                                                                int year) override {
    return QueryMessages<v1::ReportTransition>(
        db_, "SELECT data FROM transitions WHERE unit = ? AND year = ? ORDER BY id",
        {unit_code, int64_t{year}});
  }

  absl::StatusOr<std::optional<v1::ReportDeadline>> GetDeadline(int year) override {
    ASSIGN_OR_RETURN(auto rows,
                     QueryMessages<v1::ReportDeadline>(
                         db_, "SELECT data FROM deadlines WHERE year = ?", {int64_t{year}}));
    if (rows.empty()) {
      return std::optional<v1::ReportDeadline>();
    }
    return std::optional<v1::ReportDeadline>(std::move(rows.front()));
  }

  absl::Status PutDeadline(const v1::ReportDeadline& d) override {
    return db_
        .Query(
            "INSERT INTO deadlines (year, data) VALUES (?, ?) ON CONFLICT (year) DO UPDATE SET "
            "data = excluded.data",
            {int64_t{d.year()}, SqlBlob{d.SerializeAsString()}})
        .status();
  }
};

}  // namespace

absl::StatusOr<std::unique_ptr<SqlApprovalStore>> SqlApprovalStore::Open(
    const std::string& location, ChangeNotifier* notifier) {
  ASSIGN_OR_RETURN(auto core, OpenSqlStoreCore(location, Migrations(), notifier));
  return std::unique_ptr<SqlApprovalStore>(new SqlApprovalStore(std::move(core)));
}

absl::Status SqlApprovalStore::Transact(const std::function<absl::Status(ApprovalTx&)>& body) {
  return core_->Transact([&](SqlSession& db, ChangeLog& changes) {
    SqlTx tx(db, changes);
    return body(tx);
  });
}

absl::Status SqlApprovalStore::View(const std::function<absl::Status(ApprovalTx&)>& body) {
  return SqlView<SqlTx>(*core_, body);
}

absl::StatusOr<std::vector<v1::StreamChangesResponse>> SqlApprovalStore::ReadChanges(int64_t after,
                                                                                     int limit) {
  ASSIGN_OR_RETURN(auto rows, core_->ReadChanges(after, limit));
  return ParseChanges<v1::StreamChangesResponse>(rows);
}

}  // namespace chitieu::reporting

// The quota store on SQLite or PostgreSQL: schema, queries, feed
// (quota_store.h).

#include "services/quota/quota_store_sql.h"

#include "absl/strings/str_cat.h"
#include "libs/common/pg.h"
#include "libs/common/pg_store.h"
#include "libs/common/sqlite_outbox.h"
#include "libs/common/status_macros.h"

namespace chitieu::quota {
namespace {

// The versioned schema, written once for both backends (PortableMigrations
// in libs/common/sql_store.h); a new version is appended, never edited.
const SqlMigrations& Migrations() {
  static const SqlMigrations kMigrations = PortableMigrations({
      {.tables = R"sql(
CREATE TABLE targets (
  id INTEGER PRIMARY KEY,
  unit TEXT NOT NULL,
  year INTEGER NOT NULL,
  indicator INTEGER NOT NULL,
  assigner TEXT NOT NULL,
  assignee TEXT NOT NULL,
  parent_target TEXT NOT NULL,
  data BLOB NOT NULL,
  UNIQUE (year, indicator, assigner, assignee)
);
CREATE INDEX targets_unit ON targets(unit, year);
CREATE INDEX targets_parent ON targets(parent_target);
CREATE TABLE revisions (
  target_id INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (target_id, idx)
);
CREATE TABLE thresholds (year INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE plans (
  unit TEXT NOT NULL,
  id INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (unit, id)
);
)sql",
       .with_outbox = true},
      ParallelWriters({"plan", "target"}),
  });
  return kMigrations;
}

int64_t IdOf(const std::string& id) {
  int64_t n = 0;
  for (char c : id) {
    n = n * 10 + (c - '0');
  }
  return n;
}

class SqlTx : public SqlTxBase<QuotaTx, pb::StreamChangesResponse> {
 public:
  using SqlTxBase::SqlTxBase;

  absl::StatusOr<pb::Target> GetTarget(const std::string& id) override {
    ASSIGN_OR_RETURN(auto rows, QueryMessages<pb::Target>(
                                    db_, "SELECT data FROM targets WHERE id = ?", {IdOf(id)}));
    if (rows.empty()) {
      return absl::NotFoundError(absl::StrCat("target ", id, " not found"));
    }
    return std::move(rows.front());
  }

  absl::StatusOr<std::optional<pb::Target>> FindTarget(int year, int indicator,
                                                       const std::string& assigner,
                                                       const std::string& assignee) override {
    ASSIGN_OR_RETURN(
        auto rows,
        QueryMessages<pb::Target>(
            db_,
            "SELECT data FROM targets WHERE year = ? AND indicator = ? AND assigner = ? AND "
            "assignee = ?",
            {int64_t{year}, int64_t{indicator}, assigner, assignee}));
    if (rows.empty()) {
      return std::optional<pb::Target>();
    }
    return std::optional<pb::Target>(std::move(rows.front()));
  }

  absl::Status PutTarget(const std::string& id, const pb::Target& t) override {
    // name = units/{unit}/targets/{id}
    const std::string unit = t.name().substr(6, t.name().find("/targets/") - 6);
    return db_
        .Query(
            "INSERT INTO targets (id, unit, year, indicator, assigner, assignee, parent_target, "
            "data) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
            "unit = excluded.unit, year = excluded.year, indicator = excluded.indicator, "
            "assigner = excluded.assigner, assignee = excluded.assignee, "
            "parent_target = excluded.parent_target, data = excluded.data",
            {IdOf(id), unit, int64_t{t.year()}, int64_t{t.indicator()}, t.assigner(), t.assignee(),
             t.parent_target(), SqlBlob{t.SerializeAsString()}})
        .status();
  }

  absl::StatusOr<std::vector<pb::Target>> ListTargets(const TargetQuery& q) override {
    SqlBuilder b("SELECT data FROM targets WHERE id > ?",
                 {q.after_id.empty() ? int64_t{0} : IdOf(q.after_id)});
    b.AndIf(q.unit, " AND unit = ?");
    b.AndIf(q.year, " AND year = ?");
    b.AndIf(q.indicator, " AND indicator = ?");
    b.AndIf(q.assigner, " AND assigner = ?");
    b.AndIf(q.assignee, " AND assignee = ?");
    b.AndIf(q.parent_target, " AND parent_target = ?");
    b.Add(" ORDER BY id LIMIT ?", {int64_t{q.limit}});
    return QueryMessages<pb::Target>(db_, b.sql, b.args);
  }

  absl::Status AddRevision(const std::string& target_id, const pb::TargetRevision& r) override {
    return db_
        .Query(
            "INSERT INTO revisions (target_id, idx, data) VALUES (?1, (SELECT coalesce(max(idx), "
            "0) + 1 FROM revisions WHERE target_id = ?1), ?2)",
            {IdOf(target_id), SqlBlob{r.SerializeAsString()}})
        .status();
  }

  absl::StatusOr<std::vector<pb::TargetRevision>> ListRevisions(const std::string& target_id,
                                                                int64_t after, int limit) override {
    return QueryMessages<pb::TargetRevision>(
        db_, "SELECT data FROM revisions WHERE target_id = ? AND idx > ? ORDER BY idx LIMIT ?",
        {IdOf(target_id), after, int64_t{limit}});
  }

  absl::StatusOr<std::optional<pb::FoundingThresholds>> GetThresholds(int year) override {
    ASSIGN_OR_RETURN(auto rows,
                     QueryMessages<pb::FoundingThresholds>(
                         db_, "SELECT data FROM thresholds WHERE year = ?", {int64_t{year}}));
    if (rows.empty()) {
      return std::optional<pb::FoundingThresholds>();
    }
    return std::optional<pb::FoundingThresholds>(std::move(rows.front()));
  }

  absl::Status PutThresholds(int year, const pb::FoundingThresholds& t) override {
    return db_
        .Query(
            "INSERT INTO thresholds (year, data) VALUES (?, ?) ON CONFLICT (year) DO UPDATE SET "
            "data = excluded.data",
            {int64_t{year}, SqlBlob{t.SerializeAsString()}})
        .status();
  }

  absl::StatusOr<pb::Plan> GetPlan(const std::string& unit, const std::string& id) override {
    ASSIGN_OR_RETURN(
        auto rows, QueryMessages<pb::Plan>(db_, "SELECT data FROM plans WHERE unit = ? AND id = ?",
                                           {unit, IdOf(id)}));
    if (rows.empty()) {
      return absl::NotFoundError(absl::StrCat("units/", unit, "/plans/", id, " not found"));
    }
    return std::move(rows.front());
  }

  absl::Status PutPlan(const std::string& unit, const std::string& id,
                       const pb::Plan& plan) override {
    return db_
        .Query(
            "INSERT INTO plans (unit, id, data) VALUES (?, ?, ?) ON CONFLICT (unit, id) DO "
            "UPDATE SET data = excluded.data",
            {unit, IdOf(id), SqlBlob{plan.SerializeAsString()}})
        .status();
  }

  absl::StatusOr<std::vector<pb::Plan>> ListPlans(const std::string& unit, int64_t after_id,
                                                  int limit) override {
    return QueryMessages<pb::Plan>(
        db_, "SELECT data FROM plans WHERE unit = ? AND id > ? ORDER BY id LIMIT ?",
        {unit, after_id, int64_t{limit}});
  }
};

}  // namespace

absl::StatusOr<std::unique_ptr<SqlQuotaStore>> SqlQuotaStore::Open(const std::string& location,
                                                                   ChangeNotifier* notifier) {
  ASSIGN_OR_RETURN(auto core, OpenSqlStoreCore(location, Migrations(), notifier));
  return std::unique_ptr<SqlQuotaStore>(new SqlQuotaStore(std::move(core)));
}

absl::Status SqlQuotaStore::Transact(const std::function<absl::Status(QuotaTx&)>& body) {
  return core_->Transact([&](SqlSession& db, ChangeLog& changes) {
    SqlTx tx(db, changes);
    return body(tx);
  });
}

absl::Status SqlQuotaStore::View(const std::function<absl::Status(QuotaTx&)>& body) {
  return SqlView<SqlTx>(*core_, body);
}

absl::StatusOr<std::vector<pb::StreamChangesResponse>> SqlQuotaStore::ReadChanges(int64_t after,
                                                                                  int limit) {
  ASSIGN_OR_RETURN(auto rows, core_->ReadChanges(after, limit));
  return ParseChanges<pb::StreamChangesResponse>(rows);
}

}  // namespace chitieu::quota

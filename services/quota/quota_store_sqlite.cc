#include "services/quota/quota_store_sqlite.h"

#include <variant>

#include "absl/strings/str_cat.h"

namespace chitieu::quota {
namespace {

using Arg = SqlArg;

// Versioned schema; a new version is appended, never edited.
const std::vector<std::string>& Migrations() {
  static const std::vector<std::string> kMigrations = {
      std::string(R"sql(
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
)sql") + kOutboxSchema,
  };
  return kMigrations;
}

int64_t IdOf(const std::string& id) {
  int64_t n = 0;
  for (char c : id) n = n * 10 + (c - '0');
  return n;
}

class SqliteTx : public QuotaTx {
 public:
  SqliteTx(SqliteDb& db, SqliteChangeAppender& changes) : db_(db), changes_(changes) {}

  absl::StatusOr<pb::Target> GetTarget(const std::string& id) override {
    auto rows = QueryMessages<pb::Target>(db_, "SELECT data FROM targets WHERE id = ?", {IdOf(id)});
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return absl::NotFoundError(absl::StrCat("target ", id, " not found"));
    return std::move(rows->front());
  }

  absl::StatusOr<std::optional<pb::Target>> FindTarget(int year, int indicator,
                                                       const std::string& assigner,
                                                       const std::string& assignee) override {
    auto rows = QueryMessages<pb::Target>(
        db_,
        "SELECT data FROM targets WHERE year = ? AND indicator = ? AND assigner = ? AND "
        "assignee = ?",
        {int64_t{year}, int64_t{indicator}, assigner, assignee});
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return std::optional<pb::Target>();
    return std::optional<pb::Target>(std::move(rows->front()));
  }

  absl::Status PutTarget(const std::string& id, const pb::Target& t) override {
    auto stmt = db_.Prepare(
        "INSERT OR REPLACE INTO targets (id, unit, year, indicator, assigner, assignee, "
        "parent_target, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    if (!stmt.ok()) return stmt.status();
    // name = units/{unit}/targets/{id}
    std::string unit = t.name().substr(6, t.name().find("/targets/") - 6);
    stmt->Bind(1, IdOf(id)).Bind(2, unit).Bind(3, int64_t{t.year()});
    stmt->Bind(4, int64_t{t.indicator()}).Bind(5, t.assigner()).Bind(6, t.assignee());
    stmt->Bind(7, t.parent_target()).BindBlob(8, t.SerializeAsString());
    return stmt->Run();
  }

  absl::StatusOr<std::vector<pb::Target>> ListTargets(const TargetQuery& q) override {
    std::string sql = "SELECT data FROM targets WHERE id > ?";
    std::vector<Arg> args = {q.after_id.empty() ? int64_t{0} : IdOf(q.after_id)};
    auto add = [&](const char* clause, Arg value) {
      sql += clause;
      args.push_back(std::move(value));
    };
    if (q.unit) add(" AND unit = ?", *q.unit);
    if (q.year) add(" AND year = ?", int64_t{*q.year});
    if (q.indicator) add(" AND indicator = ?", int64_t{*q.indicator});
    if (q.assigner) add(" AND assigner = ?", *q.assigner);
    if (q.assignee) add(" AND assignee = ?", *q.assignee);
    if (q.parent_target) add(" AND parent_target = ?", *q.parent_target);
    add(" ORDER BY id LIMIT ?", int64_t{q.limit});
    return QueryMessages<pb::Target>(db_, sql, args);
  }

  absl::Status AddRevision(const std::string& target_id, const pb::TargetRevision& r) override {
    auto stmt = db_.Prepare(
        "INSERT INTO revisions (target_id, idx, data) VALUES (?1, (SELECT coalesce(max(idx), 0) "
        "+ 1 FROM revisions WHERE target_id = ?1), ?2)");
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, IdOf(target_id)).BindBlob(2, r.SerializeAsString());
    return stmt->Run();
  }

  absl::StatusOr<std::vector<pb::TargetRevision>> ListRevisions(const std::string& target_id,
                                                                int64_t after, int limit) override {
    return QueryMessages<pb::TargetRevision>(
        db_, "SELECT data FROM revisions WHERE target_id = ? AND idx > ? ORDER BY idx LIMIT ?",
        {IdOf(target_id), after, int64_t{limit}});
  }

  absl::StatusOr<std::optional<pb::FoundingThresholds>> GetThresholds(int year) override {
    auto rows = QueryMessages<pb::FoundingThresholds>(
        db_, "SELECT data FROM thresholds WHERE year = ?", {int64_t{year}});
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return std::optional<pb::FoundingThresholds>();
    return std::optional<pb::FoundingThresholds>(std::move(rows->front()));
  }

  absl::Status PutThresholds(int year, const pb::FoundingThresholds& t) override {
    auto stmt = db_.Prepare("INSERT OR REPLACE INTO thresholds (year, data) VALUES (?, ?)");
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, int64_t{year}).BindBlob(2, t.SerializeAsString());
    return stmt->Run();
  }

  absl::StatusOr<pb::Plan> GetPlan(const std::string& unit, const std::string& id) override {
    auto rows = QueryMessages<pb::Plan>(db_, "SELECT data FROM plans WHERE unit = ? AND id = ?",
                                        {unit, IdOf(id)});
    if (!rows.ok()) return rows.status();
    if (rows->empty()) {
      return absl::NotFoundError(absl::StrCat("units/", unit, "/plans/", id, " not found"));
    }
    return std::move(rows->front());
  }

  absl::Status PutPlan(const std::string& unit, const std::string& id,
                       const pb::Plan& plan) override {
    auto stmt = db_.Prepare("INSERT OR REPLACE INTO plans (unit, id, data) VALUES (?, ?, ?)");
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, unit).Bind(2, IdOf(id)).BindBlob(3, plan.SerializeAsString());
    return stmt->Run();
  }

  absl::StatusOr<std::vector<pb::Plan>> ListPlans(const std::string& unit, int64_t after_id,
                                                  int limit) override {
    return QueryMessages<pb::Plan>(
        db_, "SELECT data FROM plans WHERE unit = ? AND id > ? ORDER BY id LIMIT ?",
        {unit, after_id, int64_t{limit}});
  }

  absl::StatusOr<int64_t> NextId(const std::string& counter) override {
    return SqliteNextId(db_, counter);
  }
  absl::StatusOr<std::optional<StoredRequest>> GetRequest(const std::string& request_id) override {
    return SqliteGetRequest(db_, request_id);
  }
  absl::Status PutRequest(const std::string& request_id, const StoredRequest& r) override {
    return SqlitePutRequest(db_, request_id, r);
  }
  absl::Status AppendChange(pb::StreamChangesResponse change) override {
    return changes_.Append(std::move(change));
  }

 private:
  SqliteDb& db_;
  SqliteChangeAppender& changes_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteQuotaStore>> SqliteQuotaStore::Open(const std::string& path,
                                                                         ChangeNotifier* notifier) {
  auto core = SqliteStoreCore::Open(path, Migrations(), notifier);
  if (!core.ok()) return core.status();
  return std::unique_ptr<SqliteQuotaStore>(new SqliteQuotaStore(std::move(*core)));
}

absl::Status SqliteQuotaStore::Transact(const std::function<absl::Status(QuotaTx&)>& body) {
  return core_->Transact([&](SqliteDb& db, SqliteChangeAppender& changes) {
    SqliteTx tx(db, changes);
    return body(tx);
  });
}

absl::StatusOr<std::vector<pb::StreamChangesResponse>> SqliteQuotaStore::ReadChanges(int64_t after,
                                                                                     int limit) {
  auto rows = core_->ReadChanges(after, limit);
  if (!rows.ok()) return rows.status();
  return ParseChanges<pb::StreamChangesResponse>(*rows);
}

}  // namespace chitieu::quota

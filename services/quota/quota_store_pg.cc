#include "services/quota/quota_store_pg.h"

#include "absl/strings/str_cat.h"
#include "libs/common/sqlite_store.h"

namespace chitieu::quota {
namespace {

// Versioned schema; a new version is appended, never edited.
const std::vector<std::string>& Migrations() {
  static const std::vector<std::string> kMigrations = {
      std::string(R"sql(
CREATE TABLE targets (
  id BIGINT PRIMARY KEY,
  unit TEXT NOT NULL,
  year BIGINT NOT NULL,
  indicator BIGINT NOT NULL,
  assigner TEXT NOT NULL,
  assignee TEXT NOT NULL,
  parent_target TEXT NOT NULL,
  data BYTEA NOT NULL,
  UNIQUE (year, indicator, assigner, assignee)
);
CREATE INDEX targets_unit ON targets (unit, year);
CREATE INDEX targets_parent ON targets (parent_target);
CREATE TABLE revisions (
  target_id BIGINT NOT NULL,
  idx BIGINT NOT NULL,
  data BYTEA NOT NULL,
  PRIMARY KEY (target_id, idx)
);
CREATE TABLE thresholds (year BIGINT PRIMARY KEY, data BYTEA NOT NULL);
CREATE TABLE plans (
  unit TEXT NOT NULL,
  id BIGINT NOT NULL,
  data BYTEA NOT NULL,
  PRIMARY KEY (unit, id)
);
)sql") + kPgOutboxSchema + kPgRequestsSchema,
  };
  return kMigrations;
}

int64_t IdOf(const std::string& id) {
  int64_t n = 0;
  for (char c : id) n = n * 10 + (c - '0');
  return n;
}

template <typename Message>
absl::StatusOr<std::vector<Message>> Messages(PgDb& db, const std::string& sql,
                                              const std::vector<PgArg>& args) {
  auto rows = db.Query(sql, args);
  if (!rows.ok()) return rows.status();
  std::vector<Message> out(rows->size());
  for (int i = 0; i < rows->size(); ++i) {
    if (!out[i].ParseFromString(rows->Bytes(i, 0))) {
      return absl::DataLossError(
          absl::StrCat("stored ", Message::descriptor()->name(), " cannot be parsed"));
    }
  }
  return out;
}

class PgTx : public QuotaTx {
 public:
  PgTx(PgDb& db, PgChangeAppender& changes) : db_(db), changes_(changes) {}

  absl::StatusOr<pb::Target> GetTarget(const std::string& id) override {
    auto rows = Messages<pb::Target>(db_, "SELECT data FROM targets WHERE id = ?", {IdOf(id)});
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return absl::NotFoundError(absl::StrCat("target ", id, " not found"));
    return std::move(rows->front());
  }

  absl::StatusOr<std::optional<pb::Target>> FindTarget(int year, int indicator,
                                                       const std::string& assigner,
                                                       const std::string& assignee) override {
    auto rows = Messages<pb::Target>(
        db_,
        "SELECT data FROM targets WHERE year = ? AND indicator = ? AND assigner = ? AND "
        "assignee = ?",
        {int64_t{year}, int64_t{indicator}, assigner, assignee});
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return std::optional<pb::Target>();
    return std::optional<pb::Target>(std::move(rows->front()));
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
            {IdOf(id), unit, int64_t{t.year()}, int64_t{t.indicator()}, t.assigner(),
             t.assignee(), t.parent_target(), PgBytes{t.SerializeAsString()}})
        .status();
  }

  absl::StatusOr<std::vector<pb::Target>> ListTargets(const TargetQuery& q) override {
    std::string sql = "SELECT data FROM targets WHERE id > ?";
    std::vector<PgArg> args = {q.after_id.empty() ? int64_t{0} : IdOf(q.after_id)};
    auto add = [&](const char* clause, PgArg value) {
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
    return Messages<pb::Target>(db_, sql, args);
  }

  absl::Status AddRevision(const std::string& target_id, const pb::TargetRevision& r) override {
    return db_
        .Query(
            "INSERT INTO revisions (target_id, idx, data) VALUES (?1, (SELECT coalesce(max(idx), "
            "0) + 1 FROM revisions WHERE target_id = ?1), ?2)",
            {IdOf(target_id), PgBytes{r.SerializeAsString()}})
        .status();
  }

  absl::StatusOr<std::vector<pb::TargetRevision>> ListRevisions(const std::string& target_id,
                                                                int64_t after, int limit) override {
    return Messages<pb::TargetRevision>(
        db_, "SELECT data FROM revisions WHERE target_id = ? AND idx > ? ORDER BY idx LIMIT ?",
        {IdOf(target_id), after, int64_t{limit}});
  }

  absl::StatusOr<std::optional<pb::FoundingThresholds>> GetThresholds(int year) override {
    auto rows = Messages<pb::FoundingThresholds>(db_, "SELECT data FROM thresholds WHERE year = ?",
                                                 {int64_t{year}});
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return std::optional<pb::FoundingThresholds>();
    return std::optional<pb::FoundingThresholds>(std::move(rows->front()));
  }

  absl::Status PutThresholds(int year, const pb::FoundingThresholds& t) override {
    return db_
        .Query(
            "INSERT INTO thresholds (year, data) VALUES (?, ?) ON CONFLICT (year) DO UPDATE SET "
            "data = excluded.data",
            {int64_t{year}, PgBytes{t.SerializeAsString()}})
        .status();
  }

  absl::StatusOr<pb::Plan> GetPlan(const std::string& unit, const std::string& id) override {
    auto rows = Messages<pb::Plan>(db_, "SELECT data FROM plans WHERE unit = ? AND id = ?",
                                   {unit, IdOf(id)});
    if (!rows.ok()) return rows.status();
    if (rows->empty()) {
      return absl::NotFoundError(absl::StrCat("units/", unit, "/plans/", id, " not found"));
    }
    return std::move(rows->front());
  }

  absl::Status PutPlan(const std::string& unit, const std::string& id,
                       const pb::Plan& plan) override {
    return db_
        .Query(
            "INSERT INTO plans (unit, id, data) VALUES (?, ?, ?) ON CONFLICT (unit, id) DO "
            "UPDATE SET data = excluded.data",
            {unit, IdOf(id), PgBytes{plan.SerializeAsString()}})
        .status();
  }

  absl::StatusOr<std::vector<pb::Plan>> ListPlans(const std::string& unit, int64_t after_id,
                                                  int limit) override {
    return Messages<pb::Plan>(
        db_, "SELECT data FROM plans WHERE unit = ? AND id > ? ORDER BY id LIMIT ?",
        {unit, after_id, int64_t{limit}});
  }

  absl::StatusOr<int64_t> NextId(const std::string& counter) override {
    return PgNextId(db_, counter);
  }
  absl::StatusOr<std::optional<StoredRequest>> GetRequest(const std::string& request_id) override {
    return PgGetRequest(db_, request_id);
  }
  absl::Status PutRequest(const std::string& request_id, const StoredRequest& r) override {
    return PgPutRequest(db_, request_id, r);
  }
  absl::Status AppendChange(pb::StreamChangesResponse change) override {
    return changes_.Append(std::move(change));
  }

 private:
  PgDb& db_;
  PgChangeAppender& changes_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<PgQuotaStore>> PgQuotaStore::Open(const std::string& url,
                                                                 ChangeNotifier* notifier) {
  auto core = PgStoreCore::Open(url, Migrations(), notifier);
  if (!core.ok()) return core.status();
  return std::unique_ptr<PgQuotaStore>(new PgQuotaStore(std::move(*core)));
}

absl::Status PgQuotaStore::Transact(const std::function<absl::Status(QuotaTx&)>& body) {
  return core_->Transact([&](PgDb& db, PgChangeAppender& changes) {
    PgTx tx(db, changes);
    return body(tx);
  });
}

absl::StatusOr<std::vector<pb::StreamChangesResponse>> PgQuotaStore::ReadChanges(int64_t after,
                                                                                 int limit) {
  auto rows = core_->ReadChanges(after, limit);
  if (!rows.ok()) return rows.status();
  return ParseChanges<pb::StreamChangesResponse>(*rows);
}

}  // namespace chitieu::quota

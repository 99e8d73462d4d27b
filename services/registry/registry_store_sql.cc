// The registry store on SQLite or PostgreSQL: schema, queries, feed
// (registry_store.h).

#include "services/registry/registry_store_sql.h"

#include "absl/strings/str_cat.h"
#include "libs/common/batch_upsert.h"
#include "libs/common/pg.h"
#include "libs/common/pg_store.h"
#include "libs/common/registry_sql.h"
#include "libs/common/sqlite_outbox.h"
#include "libs/common/status_macros.h"

namespace chitieu::registry {
namespace {

// The versioned schema, written once for both backends (PortableMigrations
// in libs/common/sql_store.h); a new version is appended, never edited.
const SqlMigrations& Migrations() {
  static const SqlMigrations kMigrations = PortableMigrations({
      {.tables = absl::StrCat(R"sql(
CREATE TABLE units (
  code TEXT PRIMARY KEY,
  parent TEXT,
  level INTEGER NOT NULL,
  open_date TEXT NOT NULL,
  close_date TEXT,
  data BLOB NOT NULL
);
CREATE INDEX units_parent ON units(parent);
CREATE TABLE bodies (
  id TEXT PRIMARY KEY,
  unit TEXT NOT NULL,
  kind INTEGER NOT NULL,
  data BLOB NOT NULL
);
CREATE INDEX bodies_unit ON bodies(unit);
CREATE TABLE enterprises (
  code TEXT PRIMARY KEY,
  seat_unit TEXT NOT NULL,
  legal_form INTEGER NOT NULL,
  sector INTEGER NOT NULL,
  registration_date TEXT NOT NULL,
  data BLOB NOT NULL
);
CREATE INDEX enterprises_seat ON enterprises(seat_unit, code);
)sql",
                              kEnterpriseStatusTable, R"sql(
CREATE TABLE member_counts (
  code TEXT NOT NULL,
  as_of TEXT NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (code, as_of)
);
CREATE TABLE organizations (
  code TEXT NOT NULL,
  id TEXT NOT NULL,
  seat_unit TEXT NOT NULL,
  kind INTEGER NOT NULL,
  founding_body TEXT NOT NULL,
  founding_date TEXT NOT NULL,
  dissolution_date TEXT,
  data BLOB NOT NULL,
  PRIMARY KEY (code, id)
);
CREATE INDEX organizations_kind ON organizations(code, kind);
CREATE TABLE admissions (
  code TEXT NOT NULL,
  id TEXT NOT NULL,
  seat_unit TEXT NOT NULL,
  admission_date TEXT NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (code, id)
);
)sql"),
       .with_outbox = true},
      ParallelWriters({"organization", "admission"}),
      // 3: "One active organization of a kind in an enterprise" held by an
      // index: CreateOrganization inserts and the index refuses a second,
      // where it read first (under SERIALIZABLE that read's predicate
      // locks on shared index pages failed concurrent founders). A
      // database that breaks the rule stops this migration (README,
      // "Upgrades": the query that finds the duplicates first).
      {.tables = R"sql(
CREATE UNIQUE INDEX organizations_active ON organizations(code, kind)
  WHERE dissolution_date IS NULL;
DROP INDEX organizations_kind;
)sql"},
  });
  return kMigrations;
}

// The rows of `table` (keyed by code) among `codes`, a few hundred a
// query. Each query's list is padded to a power of two with its last code
// again, so that PostgreSQL prepares a few statements, not one for every
// length a batch happens to have.
template <typename M>
absl::StatusOr<std::vector<M>> GetByCodes(SqlSession& db, const std::string& table,
                                          const std::vector<std::string>& codes) {
  std::vector<M> out;
  for (size_t first = 0; first < codes.size(); first += kBatchRows) {
    const size_t n = std::min<size_t>(kBatchRows, codes.size() - first);
    const size_t padded = size_t{1} << ChunkIndex(static_cast<int>(n));
    std::vector<SqlValue> args(codes.begin() + first, codes.begin() + first + n);
    args.resize(padded, args.back());
    ASSIGN_OR_RETURN(auto some,
                     QueryMessages<M>(db,
                                      absl::StrCat("SELECT data FROM ", table, " WHERE code IN ",
                                                   Marks(static_cast<int>(padded))),
                                      args));
    std::move(some.begin(), some.end(), std::back_inserter(out));
  }
  return out;
}

class SqlTx : public SqlTxBase<RegistryTx, pb::StreamChangesResponse> {
 public:
  using SqlTxBase::SqlTxBase;

  static constexpr char kEnterpriseSql[] = "SELECT data FROM enterprises WHERE code = ?";
  static constexpr char kBodySql[] = "SELECT data FROM bodies WHERE id = ?";

  absl::StatusOr<pb::Unit> GetUnit(const std::string& code) override {
    return QueryMessage<pb::Unit>(db_, "SELECT data FROM units WHERE code = ?", {code},
                                  "units/" + code);
  }

  absl::Status PutUnit(const std::string& code, const pb::Unit& unit) override {
    static const std::string kSql =
        UpsertSql("units", {"code", "parent", "level", "open_date", "close_date", "data"}, 1);
    return db_.Run(
        kSql, {code, unit.parent().empty() ? "" : unit.parent().substr(6), int64_t{unit.level()},
               unit.open_date(), TextOrNull(unit.close_date()), SqlBlob{unit.SerializeAsString()}});
  }

  absl::StatusOr<std::vector<pb::Unit>> ListUnits(const UnitQuery& q) override {
    SqlBuilder b("SELECT data FROM units WHERE code > ?", {q.after_code});
    b.AndIf(q.parent, " AND parent = ?");
    if (q.ancestor) {
      b.Add(absl::StrCat(" AND code <> ? AND code IN ", kSubtree), {*q.ancestor, *q.ancestor});
    }
    b.AndIf(q.level, " AND level = ?");
    if (q.open_on) {
      b.Add(" AND open_date <= ? AND (close_date IS NULL OR close_date > ?)",
            {*q.open_on, *q.open_on});
    }
    b.Add(" ORDER BY code LIMIT ?", {int64_t{q.limit}});
    return QueryMessages<pb::Unit>(db_, b.sql, b.args);
  }

  absl::StatusOr<std::vector<std::string>> UnitSubtree(const std::string& code) override {
    ASSIGN_OR_RETURN(auto rows, db_.Query(kSubtreeQuery, {code}));
    std::vector<std::string> out;
    for (int i = 0; i < rows.size(); ++i) {
      out.push_back(rows.Text(i, 0));
    }
    return out;
  }

  absl::StatusOr<pb::Body> GetBody(const std::string& id) override {
    return QueryMessage<pb::Body>(db_, kBodySql, {id}, "bodies/" + id);
  }

  absl::Status PutBody(const std::string& id, const pb::Body& body) override {
    static const std::string kSql = UpsertSql("bodies", {"id", "unit", "kind", "data"}, 1);
    return db_.Run(
        kSql, {id, body.unit().substr(6), int64_t{body.kind()}, SqlBlob{body.SerializeAsString()}});
  }

  absl::StatusOr<std::vector<pb::Body>> ListBodies(const BodyQuery& q) override {
    SqlBuilder b("SELECT data FROM bodies WHERE id > ?", {q.after_id});
    b.AndIf(q.under_unit, absl::StrCat(" AND unit IN ", kSubtree));
    b.AndIf(q.kind, " AND kind = ?");
    b.Add(" ORDER BY id LIMIT ?", {int64_t{q.limit}});
    return QueryMessages<pb::Body>(db_, b.sql, b.args);
  }

  absl::StatusOr<pb::Enterprise> GetEnterprise(const std::string& code) override {
    return QueryMessage<pb::Enterprise>(db_, kEnterpriseSql, {code}, "enterprises/" + code);
  }

  absl::StatusOr<AddingReads> ReadForAdding(const std::string& code, const std::string& body_id,
                                            const std::string& counter) override {
    std::vector<SqlStatement> reads = {{kEnterpriseSql, {code}}, db_.NextIdStatement(counter)};
    if (!body_id.empty()) {
      reads.push_back({kBodySql, {body_id}});
    }
    ASSIGN_OR_RETURN(auto rows, db_.QueryMany(reads));
    AddingReads out;
    out.enterprise = MessageOf<pb::Enterprise>(rows[0], "enterprises/" + code);
    ASSIGN_OR_RETURN(out.next_id, NextIdOf(rows[1]));
    if (!body_id.empty()) {
      out.body = MessageOf<pb::Body>(rows[2], "bodies/" + body_id);
    }
    return out;
  }

  absl::Status PutEnterprise(const std::string& code, const pb::Enterprise& e) override {
    static const std::string kSql =
        UpsertSql("enterprises",
                  {"code", "seat_unit", "legal_form", "sector", "registration_date", "data"}, 1);
    RETURN_IF_ERROR(
        db_.Run(kSql, {code, e.seat_unit().substr(6), int64_t{e.legal_form()}, int64_t{e.sector()},
                       e.registration_date(), SqlBlob{e.SerializeAsString()}}));
    return ReplaceStatusHistory(db_, code, e.status_history());
  }

  absl::StatusOr<std::vector<pb::Enterprise>> GetEnterprises(
      const std::vector<std::string>& codes) override {
    return GetByCodes<pb::Enterprise>(db_, "enterprises", codes);
  }

  absl::StatusOr<std::vector<pb::Unit>> GetUnits(const std::vector<std::string>& codes) override {
    return GetByCodes<pb::Unit>(db_, "units", codes);
  }

  absl::Status PutEnterprises(const std::vector<const pb::Enterprise*>& enterprises) override {
    for (size_t first = 0; first < enterprises.size(); first += kBatchRows) {
      const int n = static_cast<int>(std::min<size_t>(kBatchRows, enterprises.size() - first));
      std::vector<SqlValue> args;
      args.reserve(6 * n);
      for (int i = 0; i < n; ++i) {
        const pb::Enterprise& e = *enterprises[first + i];
        args.insert(args.end(),
                    {e.enterprise_code(), e.seat_unit().substr(6), int64_t{e.legal_form()},
                     int64_t{e.sector()}, e.registration_date(), SqlBlob{e.SerializeAsString()}});
      }
      // Deferred, as are the status chunks: on PostgreSQL the batch's
      // writes travel with its COMMIT.
      RETURN_IF_ERROR(db_.Defer(
          UpsertSql("enterprises",
                    {"code", "seat_unit", "legal_form", "sector", "registration_date", "data"}, 1,
                    n),
          std::move(args)));
    }
    return ReplaceStatusHistories(db_, enterprises);
  }

  absl::Status AppendChanges(std::vector<pb::StreamChangesResponse> changes) override {
    return ::chitieu::AppendChanges(changes_, std::move(changes));
  }

  absl::StatusOr<std::vector<pb::Enterprise>> ListEnterprises(const EnterpriseQuery& q) override {
    // ?1 is the as-of date, used by the status and organization terms.
    SqlBuilder b("SELECT e.data FROM enterprises e WHERE ?1 = ?1 AND e.code > ?2",
                 {q.as_of, q.after_code});
    b.AndIf(q.under_unit, absl::StrCat(" AND e.seat_unit IN ", kSubtree));
    b.AndIf(q.status, absl::StrCat(" AND ", q.status_negated ? "NOT " : "", "coalesce(",
                                   kStatusAsOf, ", 0) = ?"));
    b.AndIf(q.legal_form, " AND e.legal_form = ?");
    b.AndIf(q.sector, " AND e.sector = ?");
    for (const auto& [kind, present] : q.has_organization) {
      b.Add(absl::StrCat(present ? " AND " : " AND NOT ",
                         "EXISTS (SELECT 1 FROM organizations o WHERE o.code = e.code AND "
                         "o.kind = ? AND o.founding_date <= ?1 AND (o.dissolution_date IS NULL "
                         "OR o.dissolution_date > ?1))"),
            {int64_t{kind}});
    }
    b.Add(" ORDER BY e.code LIMIT ?", {int64_t{q.limit}});
    return QueryMessages<pb::Enterprise>(db_, b.sql, b.args);
  }

  absl::Status PutMemberCounts(const std::string& code,
                               const ::chitieu::type::v1::MemberCounts& counts) override {
    static const std::string kSql = UpsertSql("member_counts", {"code", "as_of", "data"}, 2);
    return db_.Run(kSql, {code, counts.as_of_date(), SqlBlob{counts.SerializeAsString()}});
  }

  absl::StatusOr<pb::Organization> GetOrganization(const std::string& code,
                                                   const std::string& id) override {
    return QueryMessage<pb::Organization>(
        db_, "SELECT data FROM organizations WHERE code = ? AND id = ?", {code, id},
        absl::StrCat("enterprises/", code, "/organizations/", id));
  }

  absl::Status PutOrganization(const std::string& code, const std::string& id,
                               const pb::Organization& org) override {
    static const std::string kSql = UpsertSql("organizations",
                                              {"code", "id", "seat_unit", "kind", "founding_body",
                                               "founding_date", "dissolution_date", "data"},
                                              2);
    return db_.Run(kSql, {code, id, org.seat_unit().substr(6), int64_t{org.kind()},
                          org.founding_body(), org.founding_date(),
                          TextOrNull(org.dissolution_date()), SqlBlob{org.SerializeAsString()}});
  }

  absl::StatusOr<bool> AddOrganization(const std::string& code, const std::string& id,
                                       const pb::Organization& org) override {
    // The conflict check reads no snapshot: no predicate lock (PostgreSQL),
    // and an active one committed but not yet visible fails the
    // transaction as a serialization conflict, retried.
    ASSIGN_OR_RETURN(
        auto rows,
        db_.Query("INSERT INTO organizations (code, id, seat_unit, kind, founding_body, "
                  "founding_date, dissolution_date, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                  "ON CONFLICT (code, kind) WHERE dissolution_date IS NULL DO NOTHING RETURNING 1",
                  {code, id, org.seat_unit().substr(6), int64_t{org.kind()}, org.founding_body(),
                   org.founding_date(), TextOrNull(org.dissolution_date()),
                   SqlBlob{org.SerializeAsString()}}));
    return !rows.empty();
  }

  absl::StatusOr<std::vector<pb::Organization>> ListOrganizations(
      const OrganizationQuery& q) override {
    SqlBuilder b("SELECT data FROM organizations WHERE (code || '/' || id) > ?", {q.after_key});
    b.AndIf(q.enterprise_code, " AND code = ?");
    b.AndIf(q.under_unit, absl::StrCat(" AND seat_unit IN ", kSubtree));
    b.AndIf(q.kind, " AND kind = ?");
    b.AndIf(q.founding_body, " AND founding_body = ?");
    if (q.founding_year) {
      b.Add(" AND substr(founding_date, 1, 4) = ?", {absl::StrCat(*q.founding_year)});
    }
    if (q.active) {
      b.Add(*q.active ? " AND dissolution_date IS NULL" : " AND dissolution_date IS NOT NULL");
    }
    b.Add(" ORDER BY code || '/' || id LIMIT ?", {int64_t{q.limit}});
    return QueryMessages<pb::Organization>(db_, b.sql, b.args);
  }

  absl::StatusOr<pb::Admission> GetAdmission(const std::string& code,
                                             const std::string& id) override {
    return QueryMessage<pb::Admission>(db_, "SELECT data FROM admissions WHERE code = ? AND id = ?",
                                       {code, id},
                                       absl::StrCat("enterprises/", code, "/admissions/", id));
  }

  absl::Status PutAdmission(const std::string& code, const std::string& id,
                            const pb::Admission& a) override {
    static const std::string kSql =
        UpsertSql("admissions", {"code", "id", "seat_unit", "admission_date", "data"}, 2);
    return db_.Run(kSql, {code, id, a.seat_unit().substr(6), a.admission_date(),
                          SqlBlob{a.SerializeAsString()}});
  }

  absl::StatusOr<std::vector<pb::Admission>> ListAdmissions(const AdmissionQuery& q) override {
    SqlBuilder b("SELECT data FROM admissions WHERE (code || '/' || id) > ?", {q.after_key});
    b.AndIf(q.enterprise_code, " AND code = ?");
    b.AndIf(q.under_unit, absl::StrCat(" AND seat_unit IN ", kSubtree));
    if (q.admission_year) {
      b.Add(" AND substr(admission_date, 1, 4) = ?", {absl::StrCat(*q.admission_year)});
    }
    b.Add(" ORDER BY code || '/' || id LIMIT ?", {int64_t{q.limit}});
    return QueryMessages<pb::Admission>(db_, b.sql, b.args);
  }
};

}  // namespace

absl::StatusOr<std::unique_ptr<SqlRegistryStore>> SqlRegistryStore::Open(
    const std::string& location, ChangeNotifier* notifier) {
  ASSIGN_OR_RETURN(auto core, OpenSqlStoreCore(location, Migrations(), notifier));
  return std::unique_ptr<SqlRegistryStore>(new SqlRegistryStore(std::move(core)));
}

absl::Status SqlRegistryStore::Transact(const std::function<absl::Status(RegistryTx&)>& body) {
  return core_->Transact([&](SqlSession& db, ChangeLog& changes) {
    SqlTx tx(db, changes);
    return body(tx);
  });
}

absl::Status SqlRegistryStore::TransactBatch(const std::function<absl::Status(RegistryTx&)>& body) {
  return core_->TransactBatch([&](SqlSession& db, ChangeLog& changes) {
    SqlTx tx(db, changes);
    return body(tx);
  });
}

absl::Status SqlRegistryStore::View(const std::function<absl::Status(RegistryTx&)>& body) {
  return SqlView<SqlTx>(*core_, body);
}

absl::StatusOr<std::vector<pb::StreamChangesResponse>> SqlRegistryStore::ReadChanges(int64_t after,
                                                                                     int limit) {
  ASSIGN_OR_RETURN(auto rows, core_->ReadChanges(after, limit));
  return ParseChanges<pb::StreamChangesResponse>(rows);
}

}  // namespace chitieu::registry

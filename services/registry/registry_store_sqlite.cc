#include "services/registry/registry_store_sqlite.h"

#include <variant>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/common/registry_sql.h"
#include "libs/common/sqlite_outbox.h"

namespace chitieu::registry {
namespace {

using Arg = SqlArg;

// Versioned schema; a new version is appended, never edited.
const std::vector<std::string>& Migrations() {
  static const std::vector<std::string> kMigrations = {
      std::string(R"sql(
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
)sql" + std::string(kEnterpriseStatusTable) +
                  R"sql(
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
)sql") + kOutboxSchema,
  };
  return kMigrations;
}

absl::Status Corrupt(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("stored ", what, " cannot be parsed"));
}

template <typename Message>
absl::StatusOr<Message> GetMessage(SqliteDb& db, const std::string& sql,
                                   const std::vector<Arg>& args, absl::string_view what) {
  auto rows = QueryMessages<Message>(db, sql, args);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return absl::NotFoundError(absl::StrCat(what, " not found"));
  return std::move(rows->front());
}

class SqliteTx : public RegistryTx {
 public:
  SqliteTx(SqliteDb& db, SqliteChangeAppender& changes) : db_(db), changes_(changes) {}

  absl::StatusOr<pb::Unit> GetUnit(const std::string& code) override {
    return GetMessage<pb::Unit>(db_, "SELECT data FROM units WHERE code = ?", {code},
                                "units/" + code);
  }

  absl::Status PutUnit(const std::string& code, const pb::Unit& unit) override {
    auto stmt = db_.Prepare(
        "INSERT OR REPLACE INTO units (code, parent, level, open_date, close_date, data) "
        "VALUES (?, ?, ?, ?, ?, ?)");
    if (!stmt.ok()) return stmt.status();
    std::string parent = unit.parent().empty() ? "" : unit.parent().substr(6);
    stmt->Bind(1, code).Bind(2, parent).Bind(3, static_cast<int64_t>(unit.level()));
    stmt->Bind(4, unit.open_date());
    if (unit.close_date().empty()) {
      stmt->BindNull(5);
    } else {
      stmt->Bind(5, unit.close_date());
    }
    stmt->BindBlob(6, unit.SerializeAsString());
    return stmt->Run();
  }

  absl::StatusOr<std::vector<pb::Unit>> ListUnits(const UnitQuery& q) override {
    std::string sql = "SELECT data FROM units WHERE code > ?";
    std::vector<Arg> args = {q.after_code};
    if (q.parent) {
      sql += " AND parent = ?";
      args.push_back(*q.parent);
    }
    if (q.ancestor) {
      sql += absl::StrCat(" AND code <> ? AND code IN ", kSubtree);
      args.push_back(*q.ancestor);
      args.push_back(*q.ancestor);
    }
    if (q.level) {
      sql += " AND level = ?";
      args.push_back(static_cast<int64_t>(*q.level));
    }
    if (q.open_on) {
      sql += " AND open_date <= ? AND (close_date IS NULL OR close_date > ?)";
      args.push_back(*q.open_on);
      args.push_back(*q.open_on);
    }
    sql += " ORDER BY code LIMIT ?";
    args.push_back(static_cast<int64_t>(q.limit));
    return QueryMessages<pb::Unit>(db_, sql, args);
  }

  absl::StatusOr<std::vector<std::string>> UnitSubtree(const std::string& code) override {
    auto stmt = db_.Prepare(kSubtreeQuery);
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, code);
    std::vector<std::string> out;
    while (true) {
      auto row = stmt->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      out.push_back(stmt->ColumnText(0));
    }
    return out;
  }

  absl::StatusOr<pb::Body> GetBody(const std::string& id) override {
    return GetMessage<pb::Body>(db_, "SELECT data FROM bodies WHERE id = ?", {id}, "bodies/" + id);
  }

  absl::Status PutBody(const std::string& id, const pb::Body& body) override {
    auto stmt =
        db_.Prepare("INSERT OR REPLACE INTO bodies (id, unit, kind, data) VALUES (?, ?, ?, ?)");
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, id).Bind(2, body.unit().substr(6)).Bind(3, static_cast<int64_t>(body.kind()));
    stmt->BindBlob(4, body.SerializeAsString());
    return stmt->Run();
  }

  absl::StatusOr<std::vector<pb::Body>> ListBodies(const BodyQuery& q) override {
    std::string sql = "SELECT data FROM bodies WHERE id > ?";
    std::vector<Arg> args = {q.after_id};
    if (q.under_unit) {
      sql += absl::StrCat(" AND unit IN ", kSubtree);
      args.push_back(*q.under_unit);
    }
    if (q.kind) {
      sql += " AND kind = ?";
      args.push_back(static_cast<int64_t>(*q.kind));
    }
    sql += " ORDER BY id LIMIT ?";
    args.push_back(static_cast<int64_t>(q.limit));
    return QueryMessages<pb::Body>(db_, sql, args);
  }

  absl::StatusOr<pb::Enterprise> GetEnterprise(const std::string& code) override {
    return GetMessage<pb::Enterprise>(db_, "SELECT data FROM enterprises WHERE code = ?", {code},
                                      "enterprises/" + code);
  }

  absl::Status PutEnterprise(const std::string& code, const pb::Enterprise& e) override {
    auto stmt = db_.Prepare(
        "INSERT OR REPLACE INTO enterprises (code, seat_unit, legal_form, sector, "
        "registration_date, data) VALUES (?, ?, ?, ?, ?, ?)");
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, code).Bind(2, e.seat_unit().substr(6));
    stmt->Bind(3, static_cast<int64_t>(e.legal_form())).Bind(4, static_cast<int64_t>(e.sector()));
    stmt->Bind(5, e.registration_date()).BindBlob(6, e.SerializeAsString());
    if (auto s = stmt->Run(); !s.ok()) return s;
    auto del = db_.Prepare("DELETE FROM enterprise_status WHERE code = ?");
    if (!del.ok()) return del.status();
    if (auto s = del->Bind(1, code).Run(); !s.ok()) return s;
    auto ins = db_.Prepare(
        "INSERT INTO enterprise_status (code, idx, status, effective_date, end_date) "
        "VALUES (?, ?, ?, ?, ?)");
    if (!ins.ok()) return ins.status();
    // The statement resets itself after each completed step.
    for (int i = 0; i < e.status_history_size(); ++i) {
      const auto& p = e.status_history(i);
      {
        auto& st = *ins;
        st.Bind(1, code).Bind(2, static_cast<int64_t>(i)).Bind(3, static_cast<int64_t>(p.status()));
        st.Bind(4, p.effective_date());
        if (p.end_date().empty()) {
          st.BindNull(5);
        } else {
          st.Bind(5, p.end_date());
        }
        if (auto s = st.Run(); !s.ok()) return s;
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<pb::Enterprise>> ListEnterprises(const EnterpriseQuery& q) override {
    // ?1 is the as-of date, used by the status and organization terms.
    std::string sql = "SELECT e.data FROM enterprises e WHERE ?1 = ?1 AND e.code > ?2";
    std::vector<Arg> args = {q.as_of, q.after_code};
    if (q.under_unit) {
      sql += absl::StrCat(" AND e.seat_unit IN ", kSubtree);
      args.push_back(*q.under_unit);
    }
    if (q.status) {
      sql += absl::StrCat(" AND ", q.status_negated ? "NOT " : "", "coalesce(", kStatusAsOf,
                          ", 0) = ?");
      args.push_back(static_cast<int64_t>(*q.status));
    }
    if (q.legal_form) {
      sql += " AND e.legal_form = ?";
      args.push_back(static_cast<int64_t>(*q.legal_form));
    }
    if (q.sector) {
      sql += " AND e.sector = ?";
      args.push_back(static_cast<int64_t>(*q.sector));
    }
    for (const auto& [kind, present] : q.has_organization) {
      sql += absl::StrCat(
          present ? " AND " : " AND NOT ",
          "EXISTS (SELECT 1 FROM organizations o WHERE o.code = e.code AND o.kind = ? AND "
          "o.founding_date <= ?1 AND (o.dissolution_date IS NULL OR o.dissolution_date > ?1))");
      args.push_back(static_cast<int64_t>(kind));
    }
    sql += " ORDER BY e.code LIMIT ?";
    args.push_back(static_cast<int64_t>(q.limit));
    return QueryMessages<pb::Enterprise>(db_, sql, args);
  }

  absl::Status PutMemberCounts(const std::string& code,
                               const ::chitieu::type::v1::MemberCounts& counts) override {
    auto stmt =
        db_.Prepare("INSERT OR REPLACE INTO member_counts (code, as_of, data) VALUES (?, ?, ?)");
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, code).Bind(2, counts.as_of_date()).BindBlob(3, counts.SerializeAsString());
    return stmt->Run();
  }

  absl::StatusOr<pb::Organization> GetOrganization(const std::string& code,
                                                   const std::string& id) override {
    return GetMessage<pb::Organization>(
        db_, "SELECT data FROM organizations WHERE code = ? AND id = ?", {code, id},
        absl::StrCat("enterprises/", code, "/organizations/", id));
  }

  absl::Status PutOrganization(const std::string& code, const std::string& id,
                               const pb::Organization& org) override {
    auto stmt = db_.Prepare(
        "INSERT OR REPLACE INTO organizations (code, id, seat_unit, kind, founding_body, "
        "founding_date, dissolution_date, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, code).Bind(2, id).Bind(3, org.seat_unit().substr(6));
    stmt->Bind(4, static_cast<int64_t>(org.kind())).Bind(5, org.founding_body());
    stmt->Bind(6, org.founding_date());
    if (org.dissolution_date().empty()) {
      stmt->BindNull(7);
    } else {
      stmt->Bind(7, org.dissolution_date());
    }
    stmt->BindBlob(8, org.SerializeAsString());
    return stmt->Run();
  }

  absl::StatusOr<std::vector<pb::Organization>> ListOrganizations(
      const OrganizationQuery& q) override {
    std::string sql = "SELECT data FROM organizations WHERE (code || '/' || id) > ?";
    std::vector<Arg> args = {q.after_key};
    if (q.enterprise_code) {
      sql += " AND code = ?";
      args.push_back(*q.enterprise_code);
    }
    if (q.under_unit) {
      sql += absl::StrCat(" AND seat_unit IN ", kSubtree);
      args.push_back(*q.under_unit);
    }
    if (q.kind) {
      sql += " AND kind = ?";
      args.push_back(static_cast<int64_t>(*q.kind));
    }
    if (q.founding_body) {
      sql += " AND founding_body = ?";
      args.push_back(*q.founding_body);
    }
    if (q.founding_year) {
      sql += " AND substr(founding_date, 1, 4) = ?";
      args.push_back(absl::StrCat(*q.founding_year));
    }
    if (q.active) {
      sql += *q.active ? " AND dissolution_date IS NULL" : " AND dissolution_date IS NOT NULL";
    }
    sql += " ORDER BY code || '/' || id LIMIT ?";
    args.push_back(static_cast<int64_t>(q.limit));
    return QueryMessages<pb::Organization>(db_, sql, args);
  }

  absl::StatusOr<pb::Admission> GetAdmission(const std::string& code,
                                             const std::string& id) override {
    return GetMessage<pb::Admission>(db_, "SELECT data FROM admissions WHERE code = ? AND id = ?",
                                     {code, id},
                                     absl::StrCat("enterprises/", code, "/admissions/", id));
  }

  absl::Status PutAdmission(const std::string& code, const std::string& id,
                            const pb::Admission& a) override {
    auto stmt = db_.Prepare(
        "INSERT OR REPLACE INTO admissions (code, id, seat_unit, admission_date, data) "
        "VALUES (?, ?, ?, ?, ?)");
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, code).Bind(2, id).Bind(3, a.seat_unit().substr(6)).Bind(4, a.admission_date());
    stmt->BindBlob(5, a.SerializeAsString());
    return stmt->Run();
  }

  absl::StatusOr<std::vector<pb::Admission>> ListAdmissions(const AdmissionQuery& q) override {
    std::string sql = "SELECT data FROM admissions WHERE (code || '/' || id) > ?";
    std::vector<Arg> args = {q.after_key};
    if (q.enterprise_code) {
      sql += " AND code = ?";
      args.push_back(*q.enterprise_code);
    }
    if (q.under_unit) {
      sql += absl::StrCat(" AND seat_unit IN ", kSubtree);
      args.push_back(*q.under_unit);
    }
    if (q.admission_year) {
      sql += " AND substr(admission_date, 1, 4) = ?";
      args.push_back(absl::StrCat(*q.admission_year));
    }
    sql += " ORDER BY code || '/' || id LIMIT ?";
    args.push_back(static_cast<int64_t>(q.limit));
    return QueryMessages<pb::Admission>(db_, sql, args);
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

absl::StatusOr<std::unique_ptr<SqliteRegistryStore>> SqliteRegistryStore::Open(
    const std::string& path, ChangeNotifier* notifier) {
  auto core = SqliteStoreCore::Open(path, Migrations(), notifier);
  if (!core.ok()) return core.status();
  return std::unique_ptr<SqliteRegistryStore>(new SqliteRegistryStore(std::move(*core)));
}

absl::Status SqliteRegistryStore::Transact(const std::function<absl::Status(RegistryTx&)>& body) {
  return core_->Transact([&](SqliteDb& db, SqliteChangeAppender& changes) {
    SqliteTx tx(db, changes);
    return body(tx);
  });
}

absl::StatusOr<std::vector<pb::StreamChangesResponse>> SqliteRegistryStore::ReadChanges(
    int64_t after, int limit) {
  auto rows = core_->ReadChanges(after, limit);
  if (!rows.ok()) return rows.status();
  return ParseChanges<pb::StreamChangesResponse>(*rows);
}

}  // namespace chitieu::registry

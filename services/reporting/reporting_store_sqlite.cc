#include "services/reporting/reporting_store_sqlite.h"

#include "absl/strings/str_cat.h"
#include "libs/common/registry_sql.h"

namespace chitieu::reporting {
namespace {

using ::chitieu::type::v1::ENTERPRISE_STATUS_ACTIVE;

const std::string& Schema() {
  static const std::string kSchema = R"sql(
CREATE TABLE cursors (source TEXT PRIMARY KEY, sequence INTEGER NOT NULL, commit_time BLOB);
CREATE TABLE units (code TEXT PRIMARY KEY, parent TEXT, display_name TEXT NOT NULL);
CREATE INDEX units_parent ON units(parent);
CREATE TABLE bodies (id TEXT PRIMARY KEY, display_name TEXT NOT NULL);
CREATE TABLE enterprises (
  code TEXT PRIMARY KEY,
  seat_unit TEXT NOT NULL,
  display_name TEXT NOT NULL,
  registration_date TEXT NOT NULL,
  official_party INTEGER NOT NULL,
  trade_union_members INTEGER NOT NULL,
  youth_union_members INTEGER NOT NULL,
  counts BLOB
);
CREATE INDEX enterprises_seat ON enterprises(seat_unit, code);
)sql" + std::string(kEnterpriseStatusTable) +
                                     R"sql(
CREATE TABLE organizations (
  name TEXT PRIMARY KEY,
  code TEXT NOT NULL,
  seat_unit TEXT NOT NULL,
  kind INTEGER NOT NULL,
  founding_body TEXT NOT NULL,
  founding_year INTEGER NOT NULL,
  founding_date TEXT NOT NULL,
  dissolution_date TEXT
);
CREATE INDEX organizations_seat ON organizations(seat_unit, founding_year);
CREATE INDEX organizations_code ON organizations(code, kind);
CREATE TABLE admissions (
  name TEXT PRIMARY KEY,
  seat_unit TEXT NOT NULL,
  admission_year INTEGER NOT NULL,
  count INTEGER NOT NULL
);
CREATE INDEX admissions_seat ON admissions(seat_unit, admission_year);
CREATE TABLE targets (
  name TEXT PRIMARY KEY,
  assignee TEXT NOT NULL,
  year INTEGER NOT NULL,
  indicator INTEGER NOT NULL,
  value INTEGER NOT NULL
);
CREATE INDEX targets_assignee ON targets(assignee, year);
CREATE TABLE thresholds (year INTEGER PRIMARY KEY, data BLOB NOT NULL);
)sql";
  return kSchema;
}

constexpr char kDropAll[] = R"sql(
DROP TABLE IF EXISTS cursors; DROP TABLE IF EXISTS units; DROP TABLE IF EXISTS bodies;
DROP TABLE IF EXISTS enterprises; DROP TABLE IF EXISTS enterprise_status;
DROP TABLE IF EXISTS organizations; DROP TABLE IF EXISTS admissions;
DROP TABLE IF EXISTS targets; DROP TABLE IF EXISTS thresholds;
DELETE FROM schema_version;
)sql";

std::string Code(const std::string& name) { return name.substr(name.find('/') + 1); }

int Year(const std::string& date) { return std::stoi(date.substr(0, 4)); }

absl::Status RunSql(SqliteDb& db, const std::string& sql, const std::vector<SqlArg>& args) {
  auto stmt = db.Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  for (size_t i = 0; i < args.size(); ++i) {
    std::visit([&](const auto& v) { stmt->Bind(static_cast<int>(i + 1), v); }, args[i]);
  }
  return stmt->Run();
}

// Rows of (key, int) pairs from `sql`.
absl::StatusOr<std::vector<std::pair<std::string, int64_t>>> Pairs(
    SqliteDb& db, const std::string& sql, const std::vector<SqlArg>& args) {
  auto stmt = db.Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  for (size_t i = 0; i < args.size(); ++i) {
    std::visit([&](const auto& v) { stmt->Bind(static_cast<int>(i + 1), v); }, args[i]);
  }
  std::vector<std::pair<std::string, int64_t>> out;
  while (true) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    out.emplace_back(stmt->ColumnText(0), stmt->ColumnInt64(1));
  }
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteReportingStore>> SqliteReportingStore::Open(
    const std::string& path) {
  auto db = SqliteDb::Open(path, /*durable=*/false);
  if (!db.ok()) return db.status();
  if (auto s = (*db)->Migrate({Schema()}); !s.ok()) return s;
  return std::unique_ptr<SqliteReportingStore>(new SqliteReportingStore(std::move(*db)));
}

absl::Status SqliteReportingStore::Reset() {
  absl::MutexLock lock(&mu_);
  if (auto s = db_->Exec(kDropAll); !s.ok()) return s;
  return db_->Migrate({Schema()});
}

absl::StatusOr<Cursor> SqliteReportingStore::GetCursor(const std::string& source) {
  absl::MutexLock lock(&mu_);
  auto stmt = db_->Prepare("SELECT sequence, commit_time FROM cursors WHERE source = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, source);
  Cursor c;
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  if (*row) {
    c.sequence = stmt->ColumnInt64(0);
    c.commit_time.ParseFromString(stmt->ColumnBlob(1));
    if (auto s = stmt->Run(); !s.ok()) return s;
  }
  return c;
}

absl::StatusOr<size_t> SqliteReportingStore::CheckCursor(const std::string& source,
                                                         const std::vector<int64_t>& sequences) {
  auto stmt = db_->Prepare("SELECT sequence FROM cursors WHERE source = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, source);
  int64_t cursor = 0;
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  if (*row) {
    cursor = stmt->ColumnInt64(0);
    if (auto s = stmt->Run(); !s.ok()) return s;
  }
  size_t skip = 0;
  while (skip < sequences.size() && sequences[skip] <= cursor) ++skip;
  int64_t expected = cursor + 1;
  for (size_t i = skip; i < sequences.size(); ++i, ++expected) {
    if (sequences[i] != expected) {
      return absl::FailedPreconditionError(absl::StrCat("gap in the ", source, " feed: expected ",
                                                        expected, ", got ", sequences[i]));
    }
  }
  return skip;
}

absl::Status SqliteReportingStore::SetCursor(const std::string& source, int64_t sequence,
                                             const google::protobuf::Timestamp& commit_time) {
  auto stmt = db_->Prepare(
      "INSERT OR REPLACE INTO cursors (source, sequence, commit_time) VALUES (?, ?, ?)");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, source).Bind(2, sequence).BindBlob(3, commit_time.SerializeAsString());
  return stmt->Run();
}

template <typename Change>
absl::Status SqliteReportingStore::Apply(const std::string& source,
                                         const std::vector<Change>& changes) {
  if (changes.empty()) return absl::OkStatus();
  std::vector<int64_t> sequences;
  sequences.reserve(changes.size());
  for (const auto& c : changes) sequences.push_back(c.sequence());
  absl::MutexLock lock(&mu_);
  return db_->InTransaction([&]() -> absl::Status {
    auto skip = CheckCursor(source, sequences);
    if (!skip.ok()) return skip.status();
    if (*skip == changes.size()) return absl::OkStatus();
    for (size_t i = *skip; i < changes.size(); ++i) {
      if (auto s = ApplyOne(changes[i]); !s.ok()) return s;
    }
    return SetCursor(source, changes.back().sequence(), changes.back().commit_time());
  });
}

absl::Status SqliteReportingStore::ApplyRegistry(
    const std::vector<registry::v1::StreamChangesResponse>& changes) {
  return Apply(kRegistrySource, changes);
}

absl::Status SqliteReportingStore::ApplyQuota(
    const std::vector<quota::v1::StreamChangesResponse>& changes) {
  return Apply(kQuotaSource, changes);
}

absl::Status SqliteReportingStore::ApplyOne(const registry::v1::StreamChangesResponse& c) {
  SqliteDb& db = *db_;
  if (c.has_unit()) {
    const auto& u = c.unit();
    return RunSql(db, "INSERT OR REPLACE INTO units (code, parent, display_name) VALUES (?, ?, ?)",
                  {Code(u.name()), u.parent().empty() ? "" : Code(u.parent()), u.display_name()});
  }
  if (c.has_body()) {
    const auto& b = c.body();
    return RunSql(db, "INSERT OR REPLACE INTO bodies (id, display_name) VALUES (?, ?)",
                  {b.name(), b.display_name()});
  }
  if (c.has_enterprise()) {
    const auto& e = c.enterprise();
    const auto& m = e.member_counts();
    if (auto s = RunSql(
            db,
            "INSERT OR REPLACE INTO enterprises (code, seat_unit, display_name, "
            "registration_date, official_party, trade_union_members, "
            "youth_union_members, counts) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            {e.enterprise_code(), Code(e.seat_unit()), e.display_name(), e.registration_date(),
             int64_t{m.official_party_members()}, int64_t{m.trade_union_members()},
             int64_t{m.youth_union_members()}, m.SerializeAsString()});
        !s.ok()) {
      return s;
    }
    if (auto s = RunSql(db, "DELETE FROM enterprise_status WHERE code = ?", {e.enterprise_code()});
        !s.ok()) {
      return s;
    }
    for (int i = 0; i < e.status_history_size(); ++i) {
      const auto& p = e.status_history(i);
      auto stmt = db.Prepare(
          "INSERT INTO enterprise_status (code, idx, status, effective_date, end_date) "
          "VALUES (?, ?, ?, ?, ?)");
      if (!stmt.ok()) return stmt.status();
      stmt->Bind(1, e.enterprise_code()).Bind(2, int64_t{i}).Bind(3, int64_t{p.status()});
      stmt->Bind(4, p.effective_date());
      if (p.end_date().empty()) {
        stmt->BindNull(5);
      } else {
        stmt->Bind(5, p.end_date());
      }
      if (auto s = stmt->Run(); !s.ok()) return s;
    }
    return absl::OkStatus();
  }
  if (c.has_organization()) {
    const auto& o = c.organization();
    auto stmt = db.Prepare(
        "INSERT OR REPLACE INTO organizations (name, code, seat_unit, kind, founding_body, "
        "founding_year, founding_date, dissolution_date) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    if (!stmt.ok()) return stmt.status();
    // enterprises/{code}/organizations/{id}
    const std::string code = o.name().substr(12, o.name().find("/organizations/") - 12);
    stmt->Bind(1, o.name()).Bind(2, code).Bind(3, Code(o.seat_unit()));
    stmt->Bind(4, int64_t{o.kind()}).Bind(5, o.founding_body());
    stmt->Bind(6, int64_t{Year(o.founding_date())}).Bind(7, o.founding_date());
    if (o.dissolution_date().empty()) {
      stmt->BindNull(8);
    } else {
      stmt->Bind(8, o.dissolution_date());
    }
    return stmt->Run();
  }
  if (c.has_admission()) {
    const auto& a = c.admission();
    return RunSql(
        db,
        "INSERT OR REPLACE INTO admissions (name, seat_unit, admission_year, count) "
        "VALUES (?, ?, ?, ?)",
        {a.name(), Code(a.seat_unit()), int64_t{Year(a.admission_date())}, int64_t{a.count()}});
  }
  return absl::OkStatus();  // A kind of change reports do not use.
}

absl::Status SqliteReportingStore::ApplyOne(const quota::v1::StreamChangesResponse& c) {
  SqliteDb& db = *db_;
  if (c.has_target()) {
    const auto& t = c.target();
    return RunSql(
        db,
        "INSERT OR REPLACE INTO targets (name, assignee, year, indicator, value) "
        "VALUES (?, ?, ?, ?, ?)",
        {t.name(), t.assignee(), int64_t{t.year()}, int64_t{t.indicator()}, int64_t{t.value()}});
  }
  if (c.has_founding_thresholds()) {
    const auto& t = c.founding_thresholds();
    auto stmt = db.Prepare("INSERT OR REPLACE INTO thresholds (year, data) VALUES (?, ?)");
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, int64_t{t.year()}).BindBlob(2, t.SerializeAsString());
    return stmt->Run();
  }
  return absl::OkStatus();  // Plans are not in reports yet.
}

absl::StatusOr<std::map<int, int64_t>> SqliteReportingStore::Targets(const std::string& assignee,
                                                                     int year) {
  absl::MutexLock lock(&mu_);
  auto rows = Pairs(*db_,
                    "SELECT CAST(indicator AS TEXT), sum(value) FROM targets WHERE assignee = ? "
                    "AND year = ? GROUP BY indicator",
                    {assignee, int64_t{year}});
  if (!rows.ok()) return rows.status();
  std::map<int, int64_t> out;
  for (auto& [k, v] : *rows) out[std::stoi(k)] = v;
  return out;
}

absl::StatusOr<Achieved> SqliteReportingStore::AchievedIn(const std::string& unit_code, int year) {
  absl::MutexLock lock(&mu_);
  Achieved out;
  auto orgs = Pairs(*db_,
                    absl::StrCat("SELECT CAST(kind AS TEXT), count(*) FROM organizations WHERE "
                                 "founding_year = ? AND seat_unit IN ",
                                 kSubtree, " GROUP BY kind"),
                    {int64_t{year}, unit_code});
  if (!orgs.ok()) return orgs.status();
  for (auto& [k, v] : *orgs) out.organizations_by_kind[std::stoi(k)] = v;
  auto admitted = Pairs(*db_,
                        absl::StrCat("SELECT '', coalesce(sum(count), 0) FROM admissions WHERE "
                                     "admission_year = ? AND seat_unit IN ",
                                     kSubtree),
                        {int64_t{year}, unit_code});
  if (!admitted.ok()) return admitted.status();
  if (!admitted->empty()) out.party_members_admitted = admitted->front().second;
  return out;
}

absl::StatusOr<std::map<std::string, Achieved>> SqliteReportingStore::AchievedByBody(
    const std::string& unit_code, int year) {
  absl::MutexLock lock(&mu_);
  auto stmt = db_->Prepare(absl::StrCat(
      "SELECT founding_body, kind, count(*) FROM organizations WHERE founding_year = ? AND "
      "seat_unit IN ",
      kSubtree, " GROUP BY founding_body, kind"));
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, int64_t{year}).Bind(2, unit_code);
  std::map<std::string, Achieved> out;
  while (true) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    out[stmt->ColumnText(0)].organizations_by_kind[static_cast<int>(stmt->ColumnInt64(1))] =
        stmt->ColumnInt64(2);
  }
  return out;
}

absl::StatusOr<std::vector<NamedKey>> SqliteReportingStore::Children(const std::string& unit_code) {
  absl::MutexLock lock(&mu_);
  auto stmt = db_->Prepare("SELECT code, display_name FROM units WHERE parent = ? ORDER BY code");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, unit_code);
  std::vector<NamedKey> out;
  while (true) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    out.push_back({"units/" + stmt->ColumnText(0), stmt->ColumnText(1)});
  }
  return out;
}

absl::StatusOr<std::string> SqliteReportingStore::DisplayName(const std::string& key) {
  absl::MutexLock lock(&mu_);
  const bool unit = key.rfind("units/", 0) == 0;
  auto rows = Pairs(*db_,
                    unit ? "SELECT display_name, 0 FROM units WHERE code = ?"
                         : "SELECT display_name, 0 FROM bodies WHERE id = ?",
                    {unit ? Code(key) : key});
  if (!rows.ok()) return rows.status();
  return rows->empty() ? key : rows->front().first;
}

absl::StatusOr<bool> SqliteReportingStore::UnitExists(const std::string& unit_code) {
  absl::MutexLock lock(&mu_);
  auto rows = Pairs(*db_, "SELECT code, 1 FROM units WHERE code = ?", {unit_code});
  if (!rows.ok()) return rows.status();
  return !rows->empty();
}

absl::StatusOr<std::optional<std::string>> SqliteReportingStore::UnitParent(
    const std::string& unit_code) {
  absl::MutexLock lock(&mu_);
  auto rows = Pairs(*db_, "SELECT coalesce(parent, ''), 0 FROM units WHERE code = ?", {unit_code});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::nullopt;
  return rows->front().first;
}

absl::StatusOr<std::optional<std::string>> SqliteReportingStore::EnterpriseSeat(
    const std::string& code) {
  absl::MutexLock lock(&mu_);
  auto rows = Pairs(*db_, "SELECT seat_unit, 0 FROM enterprises WHERE code = ?", {code});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::nullopt;
  return rows->front().first;
}

absl::StatusOr<std::map<int, int64_t>> SqliteReportingStore::StatusCounts(
    const std::string& unit_code, const std::string& as_of) {
  absl::MutexLock lock(&mu_);
  auto rows = Pairs(*db_,
                    absl::StrCat("SELECT CAST(st AS TEXT), count(*) FROM (SELECT ", kStatusAsOf,
                                 " AS st FROM enterprises e WHERE e.registration_date <= ?1 AND "
                                 "e.seat_unit IN ",
                                 kSubtree, ") GROUP BY st"),
                    {as_of, unit_code});
  if (!rows.ok()) return rows.status();
  std::map<int, int64_t> out;
  for (auto& [k, v] : *rows) out[k.empty() ? 0 : std::stoi(k)] = v;
  return out;
}

absl::StatusOr<std::pair<int64_t, std::map<int, int64_t>>> SqliteReportingStore::Coverage(
    const std::string& unit_code, const std::string& as_of) {
  absl::MutexLock lock(&mu_);
  const std::string active = absl::StrCat("FROM enterprises e WHERE e.registration_date <= ?1 AND ",
                                          kStatusAsOf, " = 1 AND e.seat_unit IN ", kSubtree);
  auto total = Pairs(*db_, absl::StrCat("SELECT '', count(*) ", active), {as_of, unit_code});
  if (!total.ok()) return total.status();
  auto with = Pairs(*db_,
                    absl::StrCat("SELECT CAST(o.kind AS TEXT), count(DISTINCT o.code) FROM "
                                 "organizations o WHERE o.founding_date <= ?1 AND "
                                 "(o.dissolution_date IS NULL OR o.dissolution_date > ?1) AND "
                                 "o.code IN (SELECT e.code ",
                                 active, ") GROUP BY o.kind"),
                    {as_of, unit_code});
  if (!with.ok()) return with.status();
  std::map<int, int64_t> by_kind;
  for (auto& [k, v] : *with) by_kind[std::stoi(k)] = v;
  return std::make_pair(total->empty() ? 0 : total->front().second, by_kind);
}

namespace {

absl::StatusOr<std::vector<CandidateRow>> CandidateRows(SqliteDb& db, const std::string& where,
                                                        const std::vector<SqlArg>& args) {
  auto stmt = db.Prepare(absl::StrCat(
      "SELECT e.code, e.display_name, e.seat_unit, e.counts FROM enterprises e WHERE ", where));
  if (!stmt.ok()) return stmt.status();
  for (size_t i = 0; i < args.size(); ++i) {
    std::visit([&](const auto& v) { stmt->Bind(static_cast<int>(i + 1), v); }, args[i]);
  }
  std::vector<CandidateRow> out;
  while (true) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    CandidateRow r{stmt->ColumnText(0), stmt->ColumnText(1), "units/" + stmt->ColumnText(2), {}};
    r.counts.ParseFromString(stmt->ColumnBlob(3));
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<CandidateRow>> SqliteReportingStore::Candidates(
    const std::string& unit_code, int kind, int threshold, const std::string& as_of,
    const std::string& after_code, int limit) {
  absl::MutexLock lock(&mu_);
  const char* column = kind == type::v1::ORGANIZATION_KIND_PARTY         ? "e.official_party"
                       : kind == type::v1::ORGANIZATION_KIND_TRADE_UNION ? "e.trade_union_members"
                                                                         : "e.youth_union_members";
  // ?1 as_of, ?2 after, ?3 threshold, ?4 kind, ?5 unit, ?6 limit.
  return CandidateRows(
      *db_,
      absl::StrCat("?1 = ?1 AND e.code > ?2 AND ", column, " >= ?3 AND ", kStatusAsOf,
                   " = 1 AND NOT EXISTS (SELECT 1 FROM organizations o WHERE o.code = e.code AND "
                   "o.kind = ?4 AND o.founding_date <= ?1 AND (o.dissolution_date IS NULL OR "
                   "o.dissolution_date > ?1)) AND e.seat_unit IN ",
                   kSubtree, " ORDER BY e.code LIMIT ?"),
      {as_of, after_code, int64_t{threshold}, int64_t{kind}, unit_code, int64_t{limit}});
}

absl::StatusOr<std::vector<CandidateRow>> SqliteReportingStore::FosteringCases(
    const std::string& unit_code, const std::string& as_of, const std::string& after_code,
    int limit) {
  absl::MutexLock lock(&mu_);
  return CandidateRows(
      *db_,
      absl::StrCat("?1 = ?1 AND e.code > ?2 AND e.official_party = 0 AND ", kStatusAsOf,
                   " = 1 AND e.seat_unit IN ", kSubtree, " ORDER BY e.code LIMIT ?"),
      {as_of, after_code, unit_code, int64_t{limit}});
}

absl::StatusOr<std::optional<quota::v1::FoundingThresholds>> SqliteReportingStore::Thresholds(
    int year) {
  absl::MutexLock lock(&mu_);
  auto rows = QueryMessages<quota::v1::FoundingThresholds>(
      *db_, "SELECT data FROM thresholds WHERE year = ?", {int64_t{year}});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<quota::v1::FoundingThresholds>();
  return std::optional<quota::v1::FoundingThresholds>(rows->front());
}

}  // namespace chitieu::reporting

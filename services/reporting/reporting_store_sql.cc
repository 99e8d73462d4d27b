// The read model on SQLite or PostgreSQL: applying the feeds (in order,
// gap-checked, with the cursor) and the report queries (reporting_store.h).

#include "services/reporting/reporting_store_sql.h"

#include "absl/cleanup/cleanup.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "libs/common/batch_upsert.h"
#include "libs/common/registry_sql.h"
#include "libs/common/status_macros.h"
#include "services/reporting/reporting_schema.h"

namespace chitieu::reporting {
namespace {

// Every table of the model, emptied by Reset (the counts first: the
// triggers that follow the counted tables then find nothing to update).
constexpr const char* kTables[] = {
    "organization_counts", "admission_counts", "cursors",    "units",   "bodies",    "enterprises",
    "enterprise_status",   "organizations",    "admissions", "targets", "thresholds"};

std::string Code(const std::string& name) { return name.substr(name.find('/') + 1); }

int Year(const std::string& date) { return std::stoi(date.substr(0, 4)); }

// The leading changes already applied (a redelivery), to skip; FAILED_
// PRECONDITION if the rest does not follow the stored cursor of `source`.
absl::StatusOr<size_t> CheckCursor(SqlSession& db, const std::string& source,
                                   const std::vector<int64_t>& sequences) {
  ASSIGN_OR_RETURN(auto rows, db.Query("SELECT sequence FROM cursors WHERE source = ?", {source}));
  const int64_t cursor = rows.empty() ? 0 : rows.Int64(0, 0);
  size_t skip = 0;
  while (skip < sequences.size() && sequences[skip] <= cursor) {
    ++skip;
  }
  int64_t expected = cursor + 1;
  for (size_t i = skip; i < sequences.size(); ++i, ++expected) {
    if (sequences[i] != expected) {
      return absl::FailedPreconditionError(absl::StrCat("gap in the ", source, " feed: expected ",
                                                        expected, ", got ", sequences[i]));
    }
  }
  return skip;
}

absl::Status SetCursor(SqlSession& db, const std::string& source, int64_t sequence,
                       const google::protobuf::Timestamp& commit_time) {
  static const std::string kSql = UpsertSql("cursors", {"source", "sequence", "commit_time"}, 1);
  return db.Run(kSql, {source, sequence, SqlBlob{commit_time.SerializeAsString()}});
}

// Changes applied as a batch: each table's rows gathered (the last change
// of a key wins: feeds carry whole states) and upserted a few statements
// at a time. Tables do not depend on one another here, and the counts'
// triggers follow each row's last state as they followed every state.
absl::Status ApplyAll(SqlSession& db,
                      absl::Span<const registry::v1::StreamChangesResponse* const> changes) {
  static const UpsertStatements kUnits(
      "units", {{"code"}, {"parent"}, {"display_name"}, {"open_date"}, {"close_date"}});
  static const UpsertStatements kBodies("bodies", {{"id"}, {"display_name"}});
  static const UpsertStatements kEnterprises("enterprises", {{"code"},
                                                             {"seat_unit"},
                                                             {"display_name"},
                                                             {"registration_date"},
                                                             {"official_party"},
                                                             {"trade_union_members"},
                                                             {"youth_union_members"},
                                                             {"counts"}});
  static const UpsertStatements kOrganizations("organizations",
                                               {{"name"},
                                                {"code"},
                                                {"seat_unit"},
                                                {"kind"},
                                                {"founding_body"},
                                                {"founding_year"},
                                                {"founding_date"},
                                                {"dissolution_date", "NULLIF(?, '')"},
                                                {"recorded_by"},
                                                {"record_time"}});
  static const UpsertStatements kAdmissions(
      "admissions",
      {{"name"}, {"seat_unit"}, {"admission_year"}, {"count"}, {"recorded_by"}, {"record_time"}});
  // Each thread's rows keep their memory from batch to batch (a catch-up's
  // batches are alike); a failed batch leaves none behind.
  thread_local BatchUpsert units(kUnits), bodies(kBodies), enterprises(kEnterprises),
      organizations(kOrganizations), admissions(kAdmissions);
  absl::Cleanup forget = [&] {
    for (BatchUpsert* rows : {&units, &bodies, &enterprises, &organizations, &admissions}) {
      rows->Clear();
    }
  };
  // The last state of each enterprise, for its status history.
  absl::flat_hash_map<std::string, size_t> latest;  // Code → its place in `histories`.
  std::vector<const registry::v1::Enterprise*> histories;
  for (const auto* change : changes) {
    const auto& c = *change;
    if (c.has_unit()) {
      const auto& u = c.unit();
      std::string code = Code(u.name());
      units.Put(code, code, u.parent().empty() ? "" : Code(u.parent()), u.display_name(),
                u.open_date(), u.close_date());
    } else if (c.has_body()) {
      bodies.Put(c.body().name(), c.body().name(), c.body().display_name());
    } else if (c.has_enterprise()) {
      const auto& e = c.enterprise();
      const auto& m = e.member_counts();
      enterprises.Put(e.enterprise_code(), e.enterprise_code(), Code(e.seat_unit()),
                      e.display_name(), e.registration_date(), int64_t{m.official_party_members()},
                      int64_t{m.trade_union_members()}, int64_t{m.youth_union_members()},
                      SqlBlob{m.SerializeAsString()});
      auto [it, added] = latest.try_emplace(e.enterprise_code(), histories.size());
      if (added) {
        histories.push_back(&e);
      } else {
        histories[it->second] = &e;
      }
    } else if (c.has_organization()) {
      const auto& o = c.organization();
      // enterprises/{code}/organizations/{id}
      const std::string code = o.name().substr(12, o.name().find("/organizations/") - 12);
      organizations.Put(o.name(), o.name(), code, Code(o.seat_unit()), int64_t{o.kind()},
                        o.founding_body(), int64_t{Year(o.founding_date())}, o.founding_date(),
                        o.dissolution_date(), o.recorded_by(),
                        SqlBlob{o.create_time().SerializeAsString()});
    } else if (c.has_admission()) {
      const auto& a = c.admission();
      admissions.Put(a.name(), a.name(), Code(a.seat_unit()), int64_t{Year(a.admission_date())},
                     int64_t{a.count()}, a.recorded_by(),
                     SqlBlob{a.create_time().SerializeAsString()});
    }
    // Any other kind of change, reports do not use.
  }
  for (BatchUpsert* rows : {&units, &bodies, &enterprises, &organizations, &admissions}) {
    RETURN_IF_ERROR(rows->Write(db));
  }
  return ReplaceStatusHistories(db, histories);
}

absl::Status ApplyAll(SqlSession& db,
                      absl::Span<const quota::v1::StreamChangesResponse* const> changes) {
  static const UpsertStatements kTargets(
      "targets", {{"name"}, {"assignee"}, {"year"}, {"indicator"}, {"value"}});
  static const UpsertStatements kThresholds("thresholds", {{"year"}, {"data"}});
  thread_local BatchUpsert targets(kTargets), thresholds(kThresholds);
  absl::Cleanup forget = [&] {
    targets.Clear();
    thresholds.Clear();
  };
  for (const auto* change : changes) {
    const auto& c = *change;
    if (c.has_target()) {
      const auto& t = c.target();
      targets.Put(t.name(), t.name(), t.assignee(), int64_t{t.year()}, int64_t{t.indicator()},
                  int64_t{t.value()});
    } else if (c.has_founding_thresholds()) {
      const auto& t = c.founding_thresholds();
      thresholds.Put(absl::StrCat(t.year()), int64_t{t.year()}, SqlBlob{t.SerializeAsString()});
    }
    // Plans are not in reports yet.
  }
  RETURN_IF_ERROR(targets.Write(db));
  return thresholds.Write(db);
}

// Rows of (text, count) from `sql`, as a map keyed by the text as a number.
absl::StatusOr<std::map<int, int64_t>> CountsByNumber(SqlStoreCore& core, const std::string& sql,
                                                      const std::vector<SqlValue>& args) {
  std::map<int, int64_t> out;
  RETURN_IF_ERROR(core.Read([&](SqlSession& db) -> absl::Status {
    ASSIGN_OR_RETURN(auto rows, db.Query(sql, args));
    for (int i = 0; i < rows.size(); ++i) {
      out[rows.Int64(i, 0)] = rows.Int64(i, 1);
    }
    return absl::OkStatus();
  }));
  return out;
}

// The first column of the first row `sql` finds, as text; nullopt if none.
absl::StatusOr<std::optional<std::string>> FirstText(SqlStoreCore& core, const std::string& sql,
                                                     const std::vector<SqlValue>& args) {
  std::optional<std::string> out;
  RETURN_IF_ERROR(core.Read([&](SqlSession& db) -> absl::Status {
    ASSIGN_OR_RETURN(auto rows, db.Query(sql, args));
    if (!rows.empty()) {
      out = rows.Text(0, 0);
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<CandidateRow>> CandidateRows(SqlStoreCore& core,
                                                        const std::string& where,
                                                        const std::vector<SqlValue>& args) {
  std::vector<CandidateRow> out;
  RETURN_IF_ERROR(core.Read([&](SqlSession& db) -> absl::Status {
    ASSIGN_OR_RETURN(
        auto rows,
        db.Query(
            absl::StrCat(
                "SELECT e.code, e.display_name, e.seat_unit, e.counts FROM enterprises e WHERE ",
                where),
            args));
    for (int i = 0; i < rows.size(); ++i) {
      CandidateRow r{rows.Text(i, 0), rows.Text(i, 1), "units/" + rows.Text(i, 2), {}};
      r.counts.ParseFromString(rows.Text(i, 3));
      out.push_back(std::move(r));
    }
    return absl::OkStatus();
  }));
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqlReportingStore>> SqlReportingStore::Open(
    const std::string& location) {
  ASSIGN_OR_RETURN(auto core, OpenSqlStoreCore(location, ReadModelMigrations(),
                                               /*notifier=*/nullptr, /*durable=*/false));
  return std::unique_ptr<SqlReportingStore>(new SqlReportingStore(std::move(core), location));
}

absl::Status SqlReportingStore::Reset() {
  return Core()->Transact([](SqlSession& db, ChangeLog&) -> absl::Status {
    for (const char* table : kTables) {
      RETURN_IF_ERROR(db.Run(absl::StrCat("DELETE FROM ", table)));
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<Cursor> SqlReportingStore::ReadCursor(SqlStoreCore& core,
                                                     const std::string& source) {
  Cursor c;
  RETURN_IF_ERROR(core.Read([&](SqlSession& db) -> absl::Status {
    ASSIGN_OR_RETURN(
        auto rows,
        db.Query("SELECT sequence, commit_time FROM cursors WHERE source = ?", {source}));
    if (!rows.empty()) {
      c.sequence = rows.Int64(0, 0);
      c.commit_time.ParseFromString(rows.Text(0, 1));
    }
    return absl::OkStatus();
  }));
  return c;
}

absl::StatusOr<Cursor> SqlReportingStore::GetCursor(const std::string& source) {
  return ReadCursor(*Core(), source);
}

absl::Status SqlReportingStore::WithoutApplying(const std::function<absl::Status()>& read) {
  absl::ReaderMutexLock reading(&apply_mu_);
  return read();
}

template <typename Change>
absl::Status SqlReportingStore::Apply(const std::string& source,
                                      absl::Span<const Change* const> changes) {
  if (changes.empty()) {
    return absl::OkStatus();
  }
  std::vector<int64_t> sequences;
  sequences.reserve(changes.size());
  for (const auto* c : changes) {
    sequences.push_back(c->sequence());
  }
  absl::WriterMutexLock applying(&apply_mu_);
  return Core()->Transact([&](SqlSession& db, ChangeLog&) -> absl::Status {
    ASSIGN_OR_RETURN(auto skip, CheckCursor(db, source, sequences));
    if (skip == changes.size()) {
      return absl::OkStatus();
    }
    RETURN_IF_ERROR(ApplyAll(db, changes.subspan(skip)));
    return SetCursor(db, source, changes.back()->sequence(), changes.back()->commit_time());
  });
}

absl::Status SqlReportingStore::ApplyRegistry(
    absl::Span<const registry::v1::StreamChangesResponse* const> changes) {
  return Apply(kRegistrySource, changes);
}

absl::Status SqlReportingStore::ApplyQuota(
    absl::Span<const quota::v1::StreamChangesResponse* const> changes) {
  return Apply(kQuotaSource, changes);
}

absl::StatusOr<CountsByIndicator> SqlReportingStore::Targets(const std::string& assignee,
                                                             int year) {
  return CountsByNumber(*Core(),
                        "SELECT indicator, CAST(sum(value) AS BIGINT) FROM targets WHERE "
                        "assignee = ? AND year = ? GROUP BY indicator",
                        {assignee, int64_t{year}});
}

absl::StatusOr<Achieved> SqlReportingStore::AchievedIn(const std::string& unit_code, int year) {
  Achieved out;
  ASSIGN_OR_RETURN(auto orgs,
                   CountsByNumber(*Core(),
                                  absl::StrCat("SELECT kind, CAST(sum(n) AS BIGINT) FROM "
                                               "organization_counts WHERE founding_year = ? AND "
                                               "seat_unit IN ",
                                               kSubtree, " GROUP BY kind"),
                                  {int64_t{year}, unit_code}));
  out.organizations_by_kind = std::move(orgs);
  ASSIGN_OR_RETURN(auto admitted,
                   CountsByNumber(*Core(),
                                  absl::StrCat("SELECT 0, CAST(coalesce(sum(n), 0) AS BIGINT) "
                                               "FROM admission_counts WHERE admission_year = ? AND "
                                               "seat_unit IN ",
                                               kSubtree),
                                  {int64_t{year}, unit_code}));
  out.party_members_admitted = admitted[0];
  return out;
}

absl::StatusOr<std::map<std::string, Achieved>> SqlReportingStore::AchievedByBody(
    const std::string& unit_code, int year) {
  std::map<std::string, Achieved> out;
  RETURN_IF_ERROR(Core()->Read([&](SqlSession& db) -> absl::Status {
    ASSIGN_OR_RETURN(
        auto rows,
        db.Query(absl::StrCat("SELECT founding_body, kind, CAST(sum(n) AS BIGINT) FROM "
                              "organization_counts WHERE founding_year = ? AND "
                              "seat_unit IN ",
                              kSubtree, " GROUP BY founding_body, kind HAVING sum(n) <> 0"),
                 {int64_t{year}, unit_code}));
    for (int i = 0; i < rows.size(); ++i) {
      out[rows.Text(i, 0)].organizations_by_kind[static_cast<int>(rows.Int64(i, 1))] =
          rows.Int64(i, 2);
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::map<std::string, CountsByIndicator>> SqlReportingStore::TargetsOf(
    const std::vector<std::string>& assignees, int year) {
  std::map<std::string, CountsByIndicator> out;
  if (assignees.empty()) {
    return out;
  }
  std::vector<SqlValue> args = {int64_t{year}};
  std::string marks;
  for (const auto& a : assignees) {
    absl::StrAppend(&marks, marks.empty() ? "?" : ", ?");
    args.push_back(a);
  }
  RETURN_IF_ERROR(Core()->Read([&](SqlSession& db) -> absl::Status {
    ASSIGN_OR_RETURN(
        auto rows,
        db.Query(absl::StrCat("SELECT assignee, indicator, CAST(sum(value) AS BIGINT) FROM "
                              "targets WHERE year = ? AND assignee IN (",
                              marks, ") GROUP BY assignee, indicator"),
                 args));
    for (int i = 0; i < rows.size(); ++i) {
      out[rows.Text(i, 0)][static_cast<int>(rows.Int64(i, 1))] = rows.Int64(i, 2);
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::map<std::string, Achieved>> SqlReportingStore::AchievedInChildren(
    const std::string& unit_code, int year) {
  // Every unit beneath each child, tagged with that child.
  static constexpr char kTagged[] =
      "WITH RECURSIVE sub(root, c) AS (SELECT code, code FROM units WHERE parent = ? UNION ALL "
      "SELECT sub.root, u.code FROM units u JOIN sub ON u.parent = sub.c) ";
  std::map<std::string, Achieved> out;
  RETURN_IF_ERROR(Core()->Read([&](SqlSession& db) -> absl::Status {
    ASSIGN_OR_RETURN(
        auto orgs,
        db.Query(absl::StrCat(kTagged,
                              "SELECT sub.root, oc.kind, CAST(sum(oc.n) AS BIGINT) FROM sub "
                              "JOIN organization_counts oc ON oc.seat_unit = sub.c "
                              "WHERE oc.founding_year = ? GROUP BY sub.root, oc.kind "
                              "HAVING sum(oc.n) <> 0"),
                 {unit_code, int64_t{year}}));
    for (int i = 0; i < orgs.size(); ++i) {
      out[orgs.Text(i, 0)].organizations_by_kind[static_cast<int>(orgs.Int64(i, 1))] =
          orgs.Int64(i, 2);
    }
    ASSIGN_OR_RETURN(auto admitted,
                     db.Query(absl::StrCat(kTagged,
                                           "SELECT sub.root, CAST(sum(ac.n) AS BIGINT) FROM sub "
                                           "JOIN admission_counts ac ON ac.seat_unit = sub.c "
                                           "WHERE ac.admission_year = ? GROUP BY sub.root "
                                           "HAVING sum(ac.n) <> 0"),
                              {unit_code, int64_t{year}}));
    for (int i = 0; i < admitted.size(); ++i) {
      out[admitted.Text(i, 0)].party_members_admitted = admitted.Int64(i, 1);
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<NamedKey>> SqlReportingStore::Children(const std::string& unit_code) {
  std::vector<NamedKey> out;
  RETURN_IF_ERROR(Core()->Read([&](SqlSession& db) -> absl::Status {
    ASSIGN_OR_RETURN(auto rows,
                     db.Query("SELECT code, display_name FROM units WHERE parent = ? ORDER BY code",
                              {unit_code}));
    for (int i = 0; i < rows.size(); ++i) {
      out.push_back({"units/" + rows.Text(i, 0), rows.Text(i, 1)});
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<NamedKey>> SqlReportingStore::ExpectedChildren(
    const std::string& unit_code, int year) {
  const std::string last_day = absl::StrCat(year, "-12-31");
  std::vector<NamedKey> out;
  RETURN_IF_ERROR(Core()->Read([&](SqlSession& db) -> absl::Status {
    ASSIGN_OR_RETURN(
        auto rows,
        db.Query("SELECT u.code, u.display_name FROM units u WHERE u.parent = ? AND "
                 "coalesce(u.open_date, '') <= ? AND (coalesce(u.close_date, '') = '' OR "
                 "u.close_date > ?) AND EXISTS (SELECT 1 FROM targets t WHERE t.assignee = "
                 "'units/' || u.code AND t.year = ?) ORDER BY u.code",
                 {unit_code, last_day, last_day, int64_t{year}}));
    for (int i = 0; i < rows.size(); ++i) {
      out.push_back({"units/" + rows.Text(i, 0), rows.Text(i, 1)});
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<CountedRow>> SqlReportingStore::CountedIn(const std::string& unit_code,
                                                                     int year) {
  std::vector<CountedRow> out;
  RETURN_IF_ERROR(Core()->Read([&](SqlSession& db) -> absl::Status {
    ASSIGN_OR_RETURN(
        auto rows,
        db.Query(absl::StrCat("SELECT name, kind, 1, coalesce(recorded_by, ''), record_time FROM "
                              "organizations WHERE founding_year = ? AND seat_unit IN ",
                              kSubtree,
                              " UNION ALL SELECT name, 0, count, coalesce(recorded_by, ''), "
                              "record_time FROM admissions WHERE admission_year = ? AND "
                              "seat_unit IN ",
                              kSubtree, " ORDER BY 1"),
                 {int64_t{year}, unit_code, int64_t{year}, unit_code}));
    for (int i = 0; i < rows.size(); ++i) {
      CountedRow r{rows.Text(i, 0),
                   static_cast<int>(rows.Int64(i, 1)),
                   rows.Int64(i, 2),
                   rows.Text(i, 3),
                   {}};
      r.record_time.ParseFromString(rows.Text(i, 4));
      out.push_back(std::move(r));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::string> SqlReportingStore::DisplayName(const std::string& key) {
  const bool unit = key.rfind("units/", 0) == 0;
  ASSIGN_OR_RETURN(auto name, FirstText(*Core(),
                                        unit ? "SELECT display_name FROM units WHERE code = ?"
                                             : "SELECT display_name FROM bodies WHERE id = ?",
                                        {unit ? Code(key) : key}));
  return name.value_or(key);
}

absl::StatusOr<bool> SqlReportingStore::UnitExists(const std::string& unit_code) {
  ASSIGN_OR_RETURN(auto found,
                   FirstText(*Core(), "SELECT code FROM units WHERE code = ?", {unit_code}));
  return found.has_value();
}

absl::StatusOr<std::optional<std::string>> SqlReportingStore::UnitParent(
    const std::string& unit_code) {
  return FirstText(*Core(), "SELECT coalesce(parent, '') FROM units WHERE code = ?", {unit_code});
}

absl::StatusOr<std::vector<std::string>> SqlReportingStore::RootUnits() {
  std::vector<std::string> out;
  RETURN_IF_ERROR(Core()->Read([&](SqlSession& db) -> absl::Status {
    ASSIGN_OR_RETURN(
        auto rows,
        db.Query("SELECT code FROM units WHERE coalesce(parent, '') = '' ORDER BY code", {}));
    for (int i = 0; i < rows.size(); ++i) {
      out.push_back(rows.Text(i, 0));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::optional<std::string>> SqlReportingStore::EnterpriseSeat(
    const std::string& code) {
  return FirstText(*Core(), "SELECT seat_unit FROM enterprises WHERE code = ?", {code});
}

absl::StatusOr<CountsByStatus> SqlReportingStore::StatusCounts(const std::string& unit_code,
                                                               const std::string& as_of) {
  // An enterprise with no period begun by then counts as status 0.
  return CountsByNumber(*Core(),
                        absl::StrCat("SELECT coalesce(st, 0), count(*) FROM (SELECT ", kStatusAsOf,
                                     " AS st FROM enterprises e WHERE e.registration_date <= ?1 "
                                     "AND e.seat_unit IN ",
                                     kSubtree, ") AS periods GROUP BY 1"),
                        {as_of, unit_code});
}

absl::StatusOr<CoverageCounts> SqlReportingStore::Coverage(const std::string& unit_code,
                                                           const std::string& as_of) {
  const std::string active = absl::StrCat("FROM enterprises e WHERE e.registration_date <= ?1 AND ",
                                          kStatusAsOf, " = 1 AND e.seat_unit IN ", kSubtree);
  ASSIGN_OR_RETURN(auto total, CountsByNumber(*Core(), absl::StrCat("SELECT 0, count(*) ", active),
                                              {as_of, unit_code}));
  ASSIGN_OR_RETURN(
      auto with, CountsByNumber(*Core(),
                                absl::StrCat("SELECT o.kind, count(DISTINCT o.code) FROM "
                                             "organizations o WHERE o.founding_date <= ?1 AND "
                                             "(o.dissolution_date IS NULL OR o.dissolution_date > "
                                             "?1) AND o.code IN (SELECT e.code ",
                                             active, ") GROUP BY o.kind"),
                                {as_of, unit_code}));
  return CoverageCounts{total[0], std::move(with)};
}

absl::StatusOr<std::vector<CandidateRow>> SqlReportingStore::Candidates(
    const std::string& unit_code, int kind, int threshold, const std::string& as_of,
    const std::string& after_code, int limit) {
  const char* column = kind == type::v1::ORGANIZATION_KIND_PARTY         ? "e.official_party"
                       : kind == type::v1::ORGANIZATION_KIND_TRADE_UNION ? "e.trade_union_members"
                                                                         : "e.youth_union_members";
  // ?1 as_of, ?2 after, ?3 threshold, ?4 kind, ?5 unit, ?6 limit.
  return CandidateRows(
      *Core(),
      absl::StrCat("?1 = ?1 AND e.code > ?2 AND ", column, " >= ?3 AND ", kStatusAsOf,
                   " = 1 AND NOT EXISTS (SELECT 1 FROM organizations o WHERE o.code = e.code AND "
                   "o.kind = ?4 AND o.founding_date <= ?1 AND (o.dissolution_date IS NULL OR "
                   "o.dissolution_date > ?1)) AND e.seat_unit IN ",
                   kSubtree, " ORDER BY e.code LIMIT ?"),
      {as_of, after_code, int64_t{threshold}, int64_t{kind}, unit_code, int64_t{limit}});
}

absl::StatusOr<std::vector<CandidateRow>> SqlReportingStore::FosteringCases(
    const std::string& unit_code, const std::string& as_of, const std::string& after_code,
    int limit) {
  return CandidateRows(
      *Core(),
      absl::StrCat("?1 = ?1 AND e.code > ?2 AND e.official_party = 0 AND ", kStatusAsOf,
                   " = 1 AND e.seat_unit IN ", kSubtree, " ORDER BY e.code LIMIT ?"),
      {as_of, after_code, unit_code, int64_t{limit}});
}

absl::StatusOr<std::optional<quota::v1::FoundingThresholds>> SqlReportingStore::Thresholds(
    int year) {
  std::optional<quota::v1::FoundingThresholds> out;
  RETURN_IF_ERROR(Core()->Read([&](SqlSession& db) -> absl::Status {
    ASSIGN_OR_RETURN(auto found,
                     QueryOptionalMessage<quota::v1::FoundingThresholds>(
                         db, "SELECT data FROM thresholds WHERE year = ?", {int64_t{year}}));
    out = std::move(found);
    return absl::OkStatus();
  }));
  return out;
}

}  // namespace chitieu::reporting

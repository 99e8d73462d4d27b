// Opening a store on SQLite or PostgreSQL, and the portable schema
// (sql_store.h).

#include "libs/common/sql_store.h"

#include <regex>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "libs/common/pg.h"
#include "libs/common/pg_store.h"
#include "libs/common/sqlite_outbox.h"
#include "libs/common/sqlite_store.h"
#include "libs/common/status_macros.h"

namespace chitieu {

bool IsPostgresUrl(const std::string& location) {
  return absl::StartsWith(location, "postgresql://") || absl::StartsWith(location, "postgres://");
}

namespace {

// SQLite's type names as PostgreSQL spells them: whole words only, so that a
// column named e.g. "blob_size" stays as it is.
std::string PostgresTypes(const std::string& sql) {
  static const std::regex kInteger(R"(\bINTEGER\b)");
  static const std::regex kBlob(R"(\bBLOB\b)");
  return std::regex_replace(std::regex_replace(sql, kInteger, "BIGINT"), kBlob, "BYTEA");
}

}  // namespace

SqlSchemaVersion ParallelWriters(const std::vector<std::string>& counters) {
  return {.tables = "",
          .postgres_only = absl::StrCat(kPgOutboxUnnumbered, PgCounterSequences(counters))};
}

SqlMigrations PortableMigrations(const std::vector<SqlSchemaVersion>& versions) {
  SqlMigrations out;
  for (const SqlSchemaVersion& v : versions) {
    out.sqlite.push_back(absl::StrCat(v.tables, v.sqlite_only, v.with_outbox ? kOutboxSchema : ""));
    out.postgres.push_back(
        absl::StrCat(PostgresTypes(v.tables), v.postgres_only,
                     v.with_outbox ? absl::StrCat(kPgOutboxSchema, kPgRequestsSchema) : ""));
  }
  return out;
}

absl::StatusOr<std::unique_ptr<SqlStoreCore>> OpenSqlStoreCore(const std::string& location,
                                                               const SqlMigrations& migrations,
                                                               ChangeNotifier* notifier,
                                                               bool durable) {
  if (IsPostgresUrl(location)) {
    ASSIGN_OR_RETURN(auto core,
                     PgStoreCore::Open(location, migrations.postgres, notifier, durable));
    return std::unique_ptr<SqlStoreCore>(std::move(core));
  }
  ASSIGN_OR_RETURN(auto core,
                   SqliteStoreCore::Open(location, migrations.sqlite, notifier, durable));
  return std::unique_ptr<SqlStoreCore>(std::move(core));
}

}  // namespace chitieu

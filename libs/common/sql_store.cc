#include "libs/common/sql_store.h"

#include "absl/strings/match.h"
#include "libs/common/pg_store.h"
#include "libs/common/sqlite_store.h"
#include "libs/common/status_macros.h"

namespace chitieu {

bool IsPostgresUrl(const std::string& location) {
  return absl::StartsWith(location, "postgresql://") || absl::StartsWith(location, "postgres://");
}

absl::StatusOr<std::unique_ptr<SqlStoreCore>> OpenSqlStoreCore(const std::string& location,
                                                               const SqlMigrations& migrations,
                                                               ChangeNotifier* notifier,
                                                               bool durable) {
  if (IsPostgresUrl(location)) {
    ASSIGN_OR_RETURN(auto core, PgStoreCore::Open(location, migrations.postgres, notifier));
    return std::unique_ptr<SqlStoreCore>(std::move(core));
  }
  ASSIGN_OR_RETURN(auto core,
                   SqliteStoreCore::Open(location, migrations.sqlite, notifier, durable));
  return std::unique_ptr<SqlStoreCore>(std::move(core));
}

}  // namespace chitieu

#pragma once

// Opens a service's store on the backend its location names.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/common/feed.h"
#include "libs/common/sql.h"

namespace chitieu {

// A store's versioned schema, one list per backend; a new version is
// appended to both, never edited.
struct SqlMigrations {
  std::vector<std::string> sqlite;
  std::vector<std::string> postgres;
};

// True for a libpq URL (postgresql://… or postgres://…).
bool IsPostgresUrl(const std::string& location);

// `location`: a PostgreSQL URL, else a SQLite file (":memory:" for tests).
// Applies the backend's migrations; a `notifier` (optional; it must outlive
// the store) is primed with the last sequence and woken by every commit
// that appends changes, in this process or, on PostgreSQL, in any replica.
// `durable = false` lets SQLite skip the fsync of each commit (for a read
// model that can be rebuilt); PostgreSQL commits are always durable.
absl::StatusOr<std::unique_ptr<SqlStoreCore>> OpenSqlStoreCore(const std::string& location,
                                                               const SqlMigrations& migrations,
                                                               ChangeNotifier* notifier,
                                                               bool durable = true);

}  // namespace chitieu

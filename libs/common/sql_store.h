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
// appended to both, never edited. Stores build it with PortableMigrations.
struct SqlMigrations {
  std::vector<std::string> sqlite;
  std::vector<std::string> postgres;
};

// One version of a store's schema, written once for both backends.
// `tables` uses SQLite's type names INTEGER and BLOB, which become BIGINT
// and BYTEA on PostgreSQL, and otherwise only what both accept; a column is
// added here, once. What only one backend has (SQLite's triggers,
// PostgreSQL's trigger functions) goes in `sqlite_only` / `postgres_only`
// and runs after `tables`. `with_outbox` appends the backend's own feed and
// idempotency tables (kOutboxSchema; kPgOutboxSchema and kPgRequestsSchema),
// in the first version of a store that has a feed.
struct SqlSchemaVersion {
  std::string tables;
  std::string sqlite_only = "";
  std::string postgres_only = "";
  bool with_outbox = false;
};

// The version each store with a feed appends once: on PostgreSQL, changes
// numbered after they commit (kPgOutboxUnnumbered) and the store's
// `counters` (NextId) as sequences, so that writers run in parallel;
// nothing on SQLite, whose writers are one at a time anyway.
SqlSchemaVersion ParallelWriters(const std::vector<std::string>& counters);

// Each backend's migrations from versions written once (above).
SqlMigrations PortableMigrations(const std::vector<SqlSchemaVersion>& versions);

// True for a libpq URL (postgresql://… or postgres://…).
bool IsPostgresUrl(const std::string& location);

// `location`: a PostgreSQL URL, else a SQLite file (":memory:" for tests).
// Applies the backend's migrations; a `notifier` (optional; it must outlive
// the store) is primed with the last sequence and woken by every commit
// that appends changes, in this process or, on PostgreSQL, in any replica.
// `durable = false` (for a read model that can be rebuilt) lets a commit
// return before its fsync: SQLite's synchronous=NORMAL, PostgreSQL's
// synchronous_commit off.
absl::StatusOr<std::unique_ptr<SqlStoreCore>> OpenSqlStoreCore(const std::string& location,
                                                               const SqlMigrations& migrations,
                                                               ChangeNotifier* notifier,
                                                               bool durable = true);

}  // namespace chitieu

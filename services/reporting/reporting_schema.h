#pragma once

// The read model's versioned schema (reporting_store_sql.cc opens the store
// with it): the tables the feeds are applied to, and the per-unit counts
// that triggers keep.

#include "libs/common/sql_store.h"

namespace chitieu::reporting {

// Every version, oldest first; a new one is appended, never edited.
const SqlMigrations& ReadModelMigrations();

}  // namespace chitieu::reporting

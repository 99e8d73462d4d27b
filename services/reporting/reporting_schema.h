#pragma once

// The read model's versioned schema (reporting_store_sql.cc opens the store
// with it): the tables the feeds are applied to, and the per-unit counts
// that triggers keep.

#include <string>
#include <vector>

#include "libs/common/sql_store.h"

namespace chitieu::reporting {

// Every version, oldest first; a new one is appended, never edited.
const SqlMigrations& ReadModelMigrations();

// What the admission count triggers keep, counted again from the rows, one
// statement each: for a model built without its triggers (SqlReportingStore::
// OpenToBuild). The same counts as version 2's triggers and its first fill.
// (Organizations are counted in one pass over their rows: FinishBuild.)
const std::vector<std::string>& RecountAdmissionStatements();

}  // namespace chitieu::reporting

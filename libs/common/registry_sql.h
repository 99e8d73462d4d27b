#pragma once

// SQL fragments over the registry's table shapes, shared by the registry's
// store and the reporting read model (both keep `units(code, parent)` and
// `enterprise_status(code, idx, status, effective_date, end_date)`).

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "chitieu/registry/v1/registry.pb.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "libs/common/sql.h"

namespace chitieu {

// The codes of a unit and every unit beneath it; binds one `?` (the code).
#define CHITIEU_SUBTREE_SQL                                                              \
  "WITH RECURSIVE sub(c) AS (SELECT ? UNION ALL SELECT u.code FROM units u JOIN sub ON " \
  "u.parent = sub.c) SELECT c FROM sub"
inline constexpr char kSubtreeQuery[] = CHITIEU_SUBTREE_SQL;
// The same, parenthesised for `x IN (…)`.
inline constexpr char kSubtree[] = "(" CHITIEU_SUBTREE_SQL ")";
#undef CHITIEU_SUBTREE_SQL

// The effective-dated status history both keep, one row a period.
inline constexpr char kEnterpriseStatusTable[] = R"sql(
CREATE TABLE enterprise_status (
  code TEXT NOT NULL,
  idx INTEGER NOT NULL,
  status INTEGER NOT NULL,
  effective_date TEXT NOT NULL,
  end_date TEXT,
  PRIMARY KEY (code, idx)
);
)sql";

// Replaces the rows of enterprise `code` in enterprise_status with
// `history`, one row a period.
absl::Status ReplaceStatusHistory(
    SqlSession& db, const std::string& code,
    const google::protobuf::RepeatedPtrField<registry::v1::StatusPeriod>& history);
// The same for many enterprises (each by its enterprise_code, no code
// twice), in a few statements, deferred (SqlSession::Defer): inside a
// transaction only.
absl::Status ReplaceStatusHistories(
    SqlSession& db, const std::vector<const registry::v1::Enterprise*>& enterprises);

// The status of enterprise `e` on the date bound as ?1: the latest period
// begun by then; a suspension past its end date counts as active (1); NULL
// before registration.
inline constexpr char kStatusAsOf[] =
    "(SELECT CASE WHEN s.end_date IS NOT NULL AND s.end_date <= ?1 THEN 1 ELSE s.status END "
    "FROM enterprise_status s WHERE s.code = e.code AND s.effective_date <= ?1 "
    "ORDER BY s.effective_date DESC, s.idx DESC LIMIT 1)";

}  // namespace chitieu

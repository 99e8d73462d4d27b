// SQL over the registry's table shapes shared with the read model
// (registry_sql.h).

#include "libs/common/registry_sql.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/common/batch_upsert.h"
#include "libs/common/status_macros.h"

namespace chitieu {

absl::Status ReplaceStatusHistory(
    SqlSession& db, const std::string& code,
    const google::protobuf::RepeatedPtrField<registry::v1::StatusPeriod>& history) {
  RETURN_IF_ERROR(db.Run("DELETE FROM enterprise_status WHERE code = ?", {code}));
  for (int i = 0; i < history.size(); ++i) {
    const auto& p = history[i];
    RETURN_IF_ERROR(db.Run(
        "INSERT INTO enterprise_status (code, idx, status, effective_date, end_date) "
        "VALUES (?, ?, ?, ?, ?)",
        {code, int64_t{i}, int64_t{p.status()}, p.effective_date(), TextOrNull(p.end_date())}));
  }
  return absl::OkStatus();
}

namespace {

constexpr int kMaxChunk = 256;

// The statements of ReplaceStatusHistories for 2^k codes or periods.
struct StatusStatements {
  std::vector<std::string> deletes, inserts;
  StatusStatements() {
    for (int n = 1; n <= kMaxChunk; n *= 2) {
      deletes.push_back(absl::StrCat("DELETE FROM enterprise_status WHERE code IN ", Marks(n)));
      // end_date as text, '' for none: a NULL parameter has no type, and
      // each batch's pattern of NULLs would prepare a statement anew.
      inserts.push_back(absl::StrCat(
          "INSERT INTO enterprise_status (code, idx, status, effective_date, end_date) VALUES ",
          absl::StrJoin(std::vector<std::string>(n, "(?, ?, ?, ?, NULLIF(?, ''))"), ", ")));
    }
  }
};

// Runs `sql(n)` over `values`, `width` a row, 2^k rows a statement;
// deferred (SqlSession::Defer): PostgreSQL sends them with the
// transaction's next statement or its COMMIT, in one round trip.
absl::Status InChunks(SqlSession& db, const std::vector<SqlValue>& values, size_t width,
                      const std::vector<std::string>& sql) {
  const size_t total = values.size() / width;
  for (size_t first = 0; first < total;) {
    const int n = PowerOfTwoChunk(total - first, kMaxChunk);
    const auto chunk = SqlArgs(values).subspan(first * width, n * width);
    RETURN_IF_ERROR(db.Defer(sql.at(ChunkIndex(n)), {chunk.begin(), chunk.end()}));
    first += n;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ReplaceStatusHistories(
    SqlSession& db, const std::vector<const registry::v1::Enterprise*>& enterprises) {
  static const StatusStatements kStatements;
  std::vector<SqlValue> codes, periods;
  codes.reserve(enterprises.size());
  for (const auto* e : enterprises) {
    codes.push_back(e->enterprise_code());
    const auto& history = e->status_history();
    for (int k = 0; k < history.size(); ++k) {
      const auto& p = history[k];
      periods.insert(periods.end(), {e->enterprise_code(), int64_t{k}, int64_t{p.status()},
                                     p.effective_date(), p.end_date()});
    }
  }
  RETURN_IF_ERROR(InChunks(db, codes, 1, kStatements.deletes));
  return InChunks(db, periods, 5, kStatements.inserts);
}

}  // namespace chitieu

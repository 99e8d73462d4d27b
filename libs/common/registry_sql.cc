// SQL over the registry's table shapes shared with the read model
// (registry_sql.h).

#include "libs/common/registry_sql.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
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

absl::Status ReplaceStatusHistories(
    SqlSession& db, const std::vector<const registry::v1::Enterprise*>& enterprises) {
  std::vector<SqlValue> codes, rows;
  int periods = 0;
  auto flush = [&]() -> absl::Status {
    if (periods > 0) {
      // end_date as text, '' for none: a NULL parameter has no type, and
      // each batch's pattern of NULLs would prepare a statement anew.
      std::vector<std::string> marks(periods, "(?, ?, ?, ?, NULLIF(?, ''))");
      RETURN_IF_ERROR(db.Run(absl::StrCat("INSERT INTO enterprise_status (code, idx, status, "
                                          "effective_date, end_date) VALUES ",
                                          absl::StrJoin(marks, ", ")),
                             rows));
    }
    rows.clear();
    periods = 0;
    return absl::OkStatus();
  };
  for (size_t first = 0; first < enterprises.size(); first += kBatchRows) {
    const size_t n = std::min<size_t>(kBatchRows, enterprises.size() - first);
    codes.clear();
    for (size_t i = first; i < first + n; ++i) {
      codes.push_back(enterprises[i]->enterprise_code());
    }
    RETURN_IF_ERROR(db.Run(
        absl::StrCat("DELETE FROM enterprise_status WHERE code IN ", Marks(static_cast<int>(n))),
        codes));
    for (size_t i = first; i < first + n; ++i) {
      const auto& history = enterprises[i]->status_history();
      for (int k = 0; k < history.size(); ++k) {
        const auto& p = history[k];
        rows.insert(rows.end(), {enterprises[i]->enterprise_code(), int64_t{k}, int64_t{p.status()},
                                 p.effective_date(), p.end_date()});
        if (++periods == kBatchRows) {
          RETURN_IF_ERROR(flush());
        }
      }
    }
  }
  return flush();
}

}  // namespace chitieu

// SQL over the registry's table shapes shared with the read model
// (registry_sql.h).

#include "libs/common/registry_sql.h"

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

}  // namespace chitieu

// ReadAtRest: reads of the read model at one pair of feed positions
// (consistent_read.h).

#include "services/reporting/consistent_read.h"

#include "libs/common/status_macros.h"

namespace chitieu::reporting {

absl::StatusOr<FeedPositions> ReadAtRest(ReportingStore& model,
                                         const std::function<absl::Status()>& read, int attempts) {
  for (int attempt = 0; attempt < attempts; ++attempt) {
    ASSIGN_OR_RETURN(auto registry_before, model.GetCursor(kRegistrySource));
    ASSIGN_OR_RETURN(auto quota_before, model.GetCursor(kQuotaSource));
    RETURN_IF_ERROR(read());
    ASSIGN_OR_RETURN(auto registry_after, model.GetCursor(kRegistrySource));
    ASSIGN_OR_RETURN(auto quota_after, model.GetCursor(kQuotaSource));
    if (registry_before.sequence == registry_after.sequence &&
        quota_before.sequence == quota_after.sequence) {
      return FeedPositions{registry_after.sequence, quota_after.sequence};
    }
  }
  return absl::UnavailableError("the read model kept moving; try again");
}

}  // namespace chitieu::reporting

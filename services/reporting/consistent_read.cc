// ReadAtRest: reads of the read model at one pair of feed positions
// (consistent_read.h).

#include "services/reporting/consistent_read.h"

#include <optional>

#include "libs/common/status_macros.h"

namespace chitieu::reporting {

absl::StatusOr<FeedPositions> ReadAtRest(ReportingStore& model,
                                         const std::function<absl::Status()>& read, int attempts) {
  // This process's followers wait for the read; the cursors tell whether
  // another process sharing the model applied a batch meanwhile.
  std::optional<FeedPositions> at;
  RETURN_IF_ERROR(model.WithoutApplying([&]() -> absl::Status {
    for (int attempt = 0; attempt < attempts; ++attempt) {
      ASSIGN_OR_RETURN(auto registry_before, model.GetCursor(kRegistrySource));
      ASSIGN_OR_RETURN(auto quota_before, model.GetCursor(kQuotaSource));
      RETURN_IF_ERROR(read());
      ASSIGN_OR_RETURN(auto registry_after, model.GetCursor(kRegistrySource));
      ASSIGN_OR_RETURN(auto quota_after, model.GetCursor(kQuotaSource));
      if (registry_before.sequence == registry_after.sequence &&
          quota_before.sequence == quota_after.sequence) {
        at = FeedPositions{registry_after.sequence, quota_after.sequence};
        return absl::OkStatus();
      }
    }
    return absl::UnavailableError("the read model kept moving; try again");
  }));
  return *at;
}

}  // namespace chitieu::reporting

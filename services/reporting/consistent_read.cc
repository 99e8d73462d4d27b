// ReadAtRest: reads of the read model at one pair of feed positions
// (consistent_read.h).

#include "services/reporting/consistent_read.h"

#include <optional>

#include "libs/common/status_macros.h"

namespace chitieu::reporting {

absl::StatusOr<FeedPositions> ReadAtRest(ReportingStore& model,
                                         const std::function<absl::Status()>& read, int attempts) {
  // Whether the cursors held around one run of `read`.
  std::optional<FeedPositions> at;
  auto attempt = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(auto registry_before, model.GetCursor(kRegistrySource));
    ASSIGN_OR_RETURN(auto quota_before, model.GetCursor(kQuotaSource));
    RETURN_IF_ERROR(read());
    ASSIGN_OR_RETURN(auto registry_after, model.GetCursor(kRegistrySource));
    ASSIGN_OR_RETURN(auto quota_after, model.GetCursor(kQuotaSource));
    if (registry_before.sequence == registry_after.sequence &&
        quota_before.sequence == quota_after.sequence) {
      at = FeedPositions{registry_after.sequence, quota_after.sequence};
    }
    return absl::OkStatus();
  };
  // First without holding anything: the followers are not held up by a
  // long read (a city's records) unless a batch lands during it.
  RETURN_IF_ERROR(attempt());
  if (at.has_value()) {
    return *at;
  }
  // Then with this process's followers held off, so only another process
  // sharing the model can move the cursors.
  RETURN_IF_ERROR(model.WithoutApplying([&]() -> absl::Status {
    for (int i = 1; i < attempts && !at.has_value(); ++i) {
      RETURN_IF_ERROR(attempt());
    }
    return absl::OkStatus();
  }));
  if (!at.has_value()) {
    return absl::UnavailableError("the read model kept moving; try again");
  }
  return *at;
}

}  // namespace chitieu::reporting

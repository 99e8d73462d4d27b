// QuotaDirectory (quota.h): what the authorization policy asks the quota
// service, targets answered from its own data.

#include "absl/status/status.h"
#include "services/quota/quota.h"

namespace chitieu::quota {

absl::StatusOr<std::string> QuotaDirectory::AssignerOf(const std::string& target) {
  pb::GetTargetRequest r;
  r.set_name(target);
  auto got = quota_->GetTarget(r);
  if (absl::IsInvalidArgument(got.status())) {
    return absl::NotFoundError(target);
  }
  if (!got.ok()) {
    return got.status();
  }
  return got->assigner();
}

}  // namespace chitieu::quota

// QuotaDirectory (quota.h): what the authorization policy asks the quota
// service, targets answered from its own data.

#include "libs/common/status_macros.h"
#include "services/quota/quota.h"

namespace chitieu::quota {

absl::StatusOr<std::string> QuotaDirectory::AssignerOf(const std::string& target) {
  pb::GetTargetRequest r;
  r.set_name(target);
  ASSIGN_OR_RETURN(auto got, MalformedIsNotFound(quota_->GetTarget(r), target));
  return got.assigner();
}

}  // namespace chitieu::quota

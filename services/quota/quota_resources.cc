// What the authorization policy (libs/common/policy.h) asks the quota
// service about targets: the unit that assigned each.

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "libs/common/errors.h"
#include "libs/common/idempotency.h"
#include "libs/common/mutation.h"
#include "libs/common/names.h"
#include "libs/common/page_token.h"
#include "libs/common/status_macros.h"
#include "libs/common/transaction.h"
#include "libs/common/validation.h"
#include "services/quota/quota.h"

namespace chitieu::quota {

absl::StatusOr<std::string> QuotaResources::AssignerOf(const std::string& target) {
  pb::GetTargetRequest r;
  r.set_name(target);
  auto got = quota_->GetTarget(r);
  if (absl::IsInvalidArgument(got.status())) return absl::NotFoundError(target);
  if (!got.ok()) return got.status();
  return got->assigner();
}

}  // namespace chitieu::quota

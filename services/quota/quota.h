#pragma once

// Domain layer of the quota service: targets and their sub-allocation down
// the unit tree, revisions, founding thresholds and plans. No gRPC here.
// Errors (libs/common/errors.h):
//   INVALID_ARGUMENT    malformed input, a field violation per bad field (a
//                       negative value, an unknown indicator, a year before
//                       2000 or more than 5 years ahead);
//   FAILED_PRECONDITION well-formed input that breaks a rule: an unknown
//                       unit or body, an assignee not below the assigner,
//                       sub-allocations summing above their parent target
//                       without allow_over_allocation;
//   NOT_FOUND, ALREADY_EXISTS, ABORTED (stale etag) as in the registry;
//   UNAVAILABLE         the registry cannot be reached: nothing is written.

#include <string>

#include "absl/status/statusor.h"
#include "chitieu/quota/v1/quota.pb.h"
#include "libs/common/dates.h"
#include "libs/common/policy.h"
#include "services/quota/quota_store.h"
#include "services/quota/registry_lookup.h"

namespace chitieu::quota {

// Thresholds that apply to a year nobody has set them for.
inline constexpr int kDefaultPartyCell = 3;
inline constexpr int kDefaultGrassrootsPartyCommittee = 30;
inline constexpr int kDefaultTradeUnion = 5;
inline constexpr int kDefaultYouthBranch = 3;

class Quota {
 public:
  // None of the pointers is owned.
  Quota(QuotaStore* store, RegistryLookup* units, TodayFn today)
      : store_(store), units_(units), today_(std::move(today)) {}

  // `principal` (who calls) is recorded on the revisions a call makes.
  absl::StatusOr<pb::Target> CreateTarget(const pb::CreateTargetRequest& request);
  absl::StatusOr<pb::Target> GetTarget(const pb::GetTargetRequest& request);
  absl::StatusOr<pb::ListTargetsResponse> ListTargets(const pb::ListTargetsRequest& request);
  absl::StatusOr<pb::Target> UpdateTarget(const pb::UpdateTargetRequest& request,
                                          const std::string& principal);
  absl::StatusOr<pb::ListTargetRevisionsResponse> ListTargetRevisions(
      const pb::ListTargetRevisionsRequest& request);
  absl::StatusOr<pb::TargetAllocation> GetTargetAllocation(
      const pb::GetTargetAllocationRequest& request);
  absl::StatusOr<pb::SetTargetsResponse> SetTargets(const pb::SetTargetsRequest& request,
                                                    const std::string& principal);

  absl::StatusOr<pb::FoundingThresholds> GetFoundingThresholds(
      const pb::GetFoundingThresholdsRequest& request);
  absl::StatusOr<pb::FoundingThresholds> UpdateFoundingThresholds(
      const pb::UpdateFoundingThresholdsRequest& request);

  absl::StatusOr<pb::Plan> CreatePlan(const pb::CreatePlanRequest& request);
  absl::StatusOr<pb::Plan> GetPlan(const pb::GetPlanRequest& request);
  absl::StatusOr<pb::ListPlansResponse> ListPlans(const pb::ListPlansRequest& request);

 private:
  // Checks with the registry that `assigner` is a unit and `assignee` a
  // unit strictly below it or a body attached at or below it; returns the
  // name of the unit a target for `assignee` lives under. Violations name
  // `prefix` + "assigner" / "assignee".
  absl::StatusOr<std::string> ResolveAssignment(const std::string& assigner,
                                                const std::string& assignee,
                                                const std::string& prefix);
  // True if `unit` is strictly below `ancestor` (both unit names).
  absl::StatusOr<bool> IsBelow(const std::string& unit, const std::string& ancestor);

  QuotaStore* store_;
  RegistryLookup* units_;
  TodayFn today_;
};

// What the policy (libs/common/policy.h) needs to know: units, bodies and
// enterprises from `registry` (a RemoteDirectory over the registry's API),
// targets from the quota's own data. The quota service re-checks each
// call's scope with it.
class QuotaDirectory : public ResourceDirectory {
 public:
  // Neither pointer is owned.
  QuotaDirectory(ResourceDirectory* registry, Quota* quota) : registry_(registry), quota_(quota) {}
  absl::StatusOr<std::string> ParentOf(const std::string& unit) override {
    return registry_->ParentOf(unit);
  }
  absl::StatusOr<std::vector<std::string>> Roots() override { return registry_->Roots(); }
  absl::StatusOr<std::string> SeatOf(const std::string& enterprise) override {
    return registry_->SeatOf(enterprise);
  }
  absl::StatusOr<std::string> UnitOfBody(const std::string& body) override {
    return registry_->UnitOfBody(body);
  }
  // NOT_FOUND also for a name the quota refuses as malformed.
  absl::StatusOr<std::string> AssignerOf(const std::string& target) override;

 private:
  ResourceDirectory* registry_;
  Quota* quota_;
};

}  // namespace chitieu::quota

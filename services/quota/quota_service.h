#pragma once

// Transport layer of the quota service: gRPC callback handlers that hand
// each request to the domain (quota.h) and map its status once.

#include "chitieu/quota/v1/quota.grpc.pb.h"
#include "libs/common/feed.h"
#include "services/quota/quota.h"

namespace chitieu::quota {

class QuotaService final : public pb::QuotaService::CallbackService {
 public:
  static constexpr const char* kFullName = pb::QuotaService::service_full_name();

  // None of the pointers is owned.
  QuotaService(Quota* quota, QuotaStore* store, ChangeNotifier* notifier)
      : quota_(quota), store_(store), notifier_(notifier) {}

#define CHITIEU_DECLARE_UNARY(Method, Request, Response)                                 \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* c, const pb::Request* r, \
                                   pb::Response* out) override;
  CHITIEU_DECLARE_UNARY(CreateTarget, CreateTargetRequest, Target)
  CHITIEU_DECLARE_UNARY(GetTarget, GetTargetRequest, Target)
  CHITIEU_DECLARE_UNARY(ListTargets, ListTargetsRequest, ListTargetsResponse)
  CHITIEU_DECLARE_UNARY(UpdateTarget, UpdateTargetRequest, Target)
  CHITIEU_DECLARE_UNARY(ListTargetRevisions, ListTargetRevisionsRequest,
                        ListTargetRevisionsResponse)
  CHITIEU_DECLARE_UNARY(GetTargetAllocation, GetTargetAllocationRequest, TargetAllocation)
  CHITIEU_DECLARE_UNARY(SetTargets, SetTargetsRequest, SetTargetsResponse)
  CHITIEU_DECLARE_UNARY(GetFoundingThresholds, GetFoundingThresholdsRequest, FoundingThresholds)
  CHITIEU_DECLARE_UNARY(UpdateFoundingThresholds, UpdateFoundingThresholdsRequest,
                        FoundingThresholds)
  CHITIEU_DECLARE_UNARY(CreatePlan, CreatePlanRequest, Plan)
  CHITIEU_DECLARE_UNARY(GetPlan, GetPlanRequest, Plan)
  CHITIEU_DECLARE_UNARY(ListPlans, ListPlansRequest, ListPlansResponse)
#undef CHITIEU_DECLARE_UNARY

  grpc::ServerWriteReactor<pb::StreamChangesResponse>* StreamChanges(
      grpc::CallbackServerContext* c, const pb::StreamChangesRequest* r) override;

 private:
  Quota* quota_;
  QuotaStore* store_;
  ChangeNotifier* notifier_;
};

}  // namespace chitieu::quota

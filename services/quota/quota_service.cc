#include "services/quota/quota_service.h"

#include "libs/common/feed.h"
#include "libs/common/grpc_status.h"
#include "libs/common/principal.h"

namespace chitieu::quota {

#define CHITIEU_UNARY(Method, Request, Response) \
  CHITIEU_UNARY_HANDLER(QuotaService, quota_, Method, Request, Response)
#define CHITIEU_UNARY_WITH_PRINCIPAL(Method, Request, Response)                             \
  grpc::ServerUnaryReactor* QuotaService::Method(grpc::CallbackServerContext* c,            \
                                                 const pb::Request* r, pb::Response* out) { \
    static const std::string kPath = CHITIEU_METHOD_PATH(QuotaService, Method);             \
    return Serve(c, kPath, *r, out,                                                         \
                 [&](const pb::Request& q) { return quota_->Method(q, PrincipalOf(*c)); }); \
  }

CHITIEU_UNARY(CreateTarget, CreateTargetRequest, Target)
CHITIEU_UNARY(GetTarget, GetTargetRequest, Target)
CHITIEU_UNARY(ListTargets, ListTargetsRequest, ListTargetsResponse)
CHITIEU_UNARY_WITH_PRINCIPAL(UpdateTarget, UpdateTargetRequest, Target)
CHITIEU_UNARY(ListTargetRevisions, ListTargetRevisionsRequest, ListTargetRevisionsResponse)
CHITIEU_UNARY(GetTargetAllocation, GetTargetAllocationRequest, TargetAllocation)
CHITIEU_UNARY_WITH_PRINCIPAL(SetTargets, SetTargetsRequest, SetTargetsResponse)
CHITIEU_UNARY(GetFoundingThresholds, GetFoundingThresholdsRequest, FoundingThresholds)
CHITIEU_UNARY(UpdateFoundingThresholds, UpdateFoundingThresholdsRequest, FoundingThresholds)
CHITIEU_UNARY(CreatePlan, CreatePlanRequest, Plan)
CHITIEU_UNARY(GetPlan, GetPlanRequest, Plan)
CHITIEU_UNARY(ListPlans, ListPlansRequest, ListPlansResponse)

#undef CHITIEU_UNARY
#undef CHITIEU_UNARY_WITH_PRINCIPAL

grpc::ServerWriteReactor<pb::StreamChangesResponse>* QuotaService::StreamChanges(
    grpc::CallbackServerContext* c, const pb::StreamChangesRequest* r) {
  QuotaStore* store = store_;
  return StartFeed<pb::StreamChangesResponse>(
      AdmitCall(*c, CHITIEU_METHOD_PATH(QuotaService, StreamChanges), *r), notifier_,
      [store](int64_t after, int limit) { return store->ReadChanges(after, limit); },
      r->after_sequence(), !r->no_follow());
}

}  // namespace chitieu::quota

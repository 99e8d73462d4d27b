// The quota service's gRPC handlers (quota_service.h).

#include "services/quota/quota_service.h"

#include "libs/common/feed.h"
#include "libs/common/grpc_status.h"
#include "libs/common/handler.h"
#include "libs/common/principal.h"

namespace chitieu::quota {

grpc::ServerUnaryReactor* QuotaService::CreateTarget(grpc::CallbackServerContext* context,
                                                     const pb::CreateTargetRequest* request,
                                                     pb::Target* response) {
  static const std::string kPath = MethodPath(kFullName, "CreateTarget");
  return Serve(context, kPath, *request, response,
               [this](const pb::CreateTargetRequest& r) { return quota_->CreateTarget(r); });
}

grpc::ServerUnaryReactor* QuotaService::GetTarget(grpc::CallbackServerContext* context,
                                                  const pb::GetTargetRequest* request,
                                                  pb::Target* response) {
  static const std::string kPath = MethodPath(kFullName, "GetTarget");
  return Serve(context, kPath, *request, response,
               [this](const pb::GetTargetRequest& r) { return quota_->GetTarget(r); });
}

grpc::ServerUnaryReactor* QuotaService::ListTargets(grpc::CallbackServerContext* context,
                                                    const pb::ListTargetsRequest* request,
                                                    pb::ListTargetsResponse* response) {
  static const std::string kPath = MethodPath(kFullName, "ListTargets");
  return Serve(context, kPath, *request, response,
               [this](const pb::ListTargetsRequest& r) { return quota_->ListTargets(r); });
}

grpc::ServerUnaryReactor* QuotaService::UpdateTarget(grpc::CallbackServerContext* context,
                                                     const pb::UpdateTargetRequest* request,
                                                     pb::Target* response) {
  static const std::string kPath = MethodPath(kFullName, "UpdateTarget");
  return Serve(context, kPath, *request, response,
               [this, context](const pb::UpdateTargetRequest& r) {
                 return quota_->UpdateTarget(r, PrincipalOf(*context));
               });
}

grpc::ServerUnaryReactor* QuotaService::ListTargetRevisions(
    grpc::CallbackServerContext* context, const pb::ListTargetRevisionsRequest* request,
    pb::ListTargetRevisionsResponse* response) {
  static const std::string kPath = MethodPath(kFullName, "ListTargetRevisions");
  return Serve(context, kPath, *request, response, [this](const pb::ListTargetRevisionsRequest& r) {
    return quota_->ListTargetRevisions(r);
  });
}

grpc::ServerUnaryReactor* QuotaService::GetTargetAllocation(
    grpc::CallbackServerContext* context, const pb::GetTargetAllocationRequest* request,
    pb::TargetAllocation* response) {
  static const std::string kPath = MethodPath(kFullName, "GetTargetAllocation");
  return Serve(context, kPath, *request, response, [this](const pb::GetTargetAllocationRequest& r) {
    return quota_->GetTargetAllocation(r);
  });
}

grpc::ServerUnaryReactor* QuotaService::SetTargets(grpc::CallbackServerContext* context,
                                                   const pb::SetTargetsRequest* request,
                                                   pb::SetTargetsResponse* response) {
  static const std::string kPath = MethodPath(kFullName, "SetTargets");
  return Serve(context, kPath, *request, response, [this, context](const pb::SetTargetsRequest& r) {
    return quota_->SetTargets(r, PrincipalOf(*context));
  });
}

grpc::ServerUnaryReactor* QuotaService::GetFoundingThresholds(
    grpc::CallbackServerContext* context, const pb::GetFoundingThresholdsRequest* request,
    pb::FoundingThresholds* response) {
  static const std::string kPath = MethodPath(kFullName, "GetFoundingThresholds");
  return Serve(context, kPath, *request, response,
               [this](const pb::GetFoundingThresholdsRequest& r) {
                 return quota_->GetFoundingThresholds(r);
               });
}

grpc::ServerUnaryReactor* QuotaService::UpdateFoundingThresholds(
    grpc::CallbackServerContext* context, const pb::UpdateFoundingThresholdsRequest* request,
    pb::FoundingThresholds* response) {
  static const std::string kPath = MethodPath(kFullName, "UpdateFoundingThresholds");
  return Serve(context, kPath, *request, response,
               [this](const pb::UpdateFoundingThresholdsRequest& r) {
                 return quota_->UpdateFoundingThresholds(r);
               });
}

grpc::ServerUnaryReactor* QuotaService::CreatePlan(grpc::CallbackServerContext* context,
                                                   const pb::CreatePlanRequest* request,
                                                   pb::Plan* response) {
  static const std::string kPath = MethodPath(kFullName, "CreatePlan");
  return Serve(context, kPath, *request, response,
               [this](const pb::CreatePlanRequest& r) { return quota_->CreatePlan(r); });
}

grpc::ServerUnaryReactor* QuotaService::GetPlan(grpc::CallbackServerContext* context,
                                                const pb::GetPlanRequest* request,
                                                pb::Plan* response) {
  static const std::string kPath = MethodPath(kFullName, "GetPlan");
  return Serve(context, kPath, *request, response,
               [this](const pb::GetPlanRequest& r) { return quota_->GetPlan(r); });
}

grpc::ServerUnaryReactor* QuotaService::ListPlans(grpc::CallbackServerContext* context,
                                                  const pb::ListPlansRequest* request,
                                                  pb::ListPlansResponse* response) {
  static const std::string kPath = MethodPath(kFullName, "ListPlans");
  return Serve(context, kPath, *request, response,
               [this](const pb::ListPlansRequest& r) { return quota_->ListPlans(r); });
}

grpc::ServerWriteReactor<pb::StreamChangesResponse>* QuotaService::StreamChanges(
    grpc::CallbackServerContext* c, const pb::StreamChangesRequest* r) {
  static const std::string kPath = MethodPath(kFullName, "StreamChanges");
  return StartChangeStream<pb::StreamChangesResponse>(c, kPath, *r, notifier_, store_);
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* QuotaService::StreamChangeBatches(
    grpc::CallbackServerContext* c, const grpc::ByteBuffer* raw) {
  static const std::string kPath = MethodPath(kFullName, "StreamChangeBatches");
  return StartStoredBatchFeed<pb::StreamChangeBatchesRequest>(c, kPath, *raw, notifier_, store_);
}

}  // namespace chitieu::quota

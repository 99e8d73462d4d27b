#pragma once

// Transport layer of the quota service: gRPC callback handlers that hand
// each request to the domain (quota.h) and map its status once.

#include "chitieu/quota/v1/quota.grpc.pb.h"
#include "libs/common/feed.h"
#include "services/quota/quota.h"

namespace chitieu::quota {

class QuotaService final : public pb::QuotaService::WithRawCallbackMethod_StreamChangeBatches<
                               pb::QuotaService::CallbackService> {
 public:
  static constexpr const char* kFullName = pb::QuotaService::service_full_name();

  // None of the pointers is owned.
  QuotaService(Quota* quota, QuotaStore* store, ChangeNotifier* notifier)
      : quota_(quota), store_(store), notifier_(notifier) {}

  grpc::ServerUnaryReactor* CreateTarget(grpc::CallbackServerContext* context,
                                         const pb::CreateTargetRequest* request,
                                         pb::Target* response) override;
  grpc::ServerUnaryReactor* GetTarget(grpc::CallbackServerContext* context,
                                      const pb::GetTargetRequest* request,
                                      pb::Target* response) override;
  grpc::ServerUnaryReactor* ListTargets(grpc::CallbackServerContext* context,
                                        const pb::ListTargetsRequest* request,
                                        pb::ListTargetsResponse* response) override;
  grpc::ServerUnaryReactor* UpdateTarget(grpc::CallbackServerContext* context,
                                         const pb::UpdateTargetRequest* request,
                                         pb::Target* response) override;
  grpc::ServerUnaryReactor* ListTargetRevisions(grpc::CallbackServerContext* context,
                                                const pb::ListTargetRevisionsRequest* request,
                                                pb::ListTargetRevisionsResponse* response) override;
  grpc::ServerUnaryReactor* GetTargetAllocation(grpc::CallbackServerContext* context,
                                                const pb::GetTargetAllocationRequest* request,
                                                pb::TargetAllocation* response) override;
  grpc::ServerUnaryReactor* SetTargets(grpc::CallbackServerContext* context,
                                       const pb::SetTargetsRequest* request,
                                       pb::SetTargetsResponse* response) override;
  grpc::ServerUnaryReactor* GetFoundingThresholds(grpc::CallbackServerContext* context,
                                                  const pb::GetFoundingThresholdsRequest* request,
                                                  pb::FoundingThresholds* response) override;
  grpc::ServerUnaryReactor* UpdateFoundingThresholds(
      grpc::CallbackServerContext* context, const pb::UpdateFoundingThresholdsRequest* request,
      pb::FoundingThresholds* response) override;
  grpc::ServerUnaryReactor* CreatePlan(grpc::CallbackServerContext* context,
                                       const pb::CreatePlanRequest* request,
                                       pb::Plan* response) override;
  grpc::ServerUnaryReactor* GetPlan(grpc::CallbackServerContext* context,
                                    const pb::GetPlanRequest* request, pb::Plan* response) override;
  grpc::ServerUnaryReactor* ListPlans(grpc::CallbackServerContext* context,
                                      const pb::ListPlansRequest* request,
                                      pb::ListPlansResponse* response) override;

  grpc::ServerWriteReactor<pb::StreamChangesResponse>* StreamChanges(
      grpc::CallbackServerContext* c, const pb::StreamChangesRequest* r) override;
  // Raw: the stored changes are sent as they are (WithRawCallbackMethod).
  grpc::ServerWriteReactor<grpc::ByteBuffer>* StreamChangeBatches(
      grpc::CallbackServerContext* c, const grpc::ByteBuffer* r) override;

 private:
  Quota* quota_;
  QuotaStore* store_;
  ChangeNotifier* notifier_;
};

}  // namespace chitieu::quota

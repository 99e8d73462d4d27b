#pragma once

// The gateway's own methods: GetScorecard (a composite view fetched in
// parallel from reporting) and ListAuditEntries.

#include <grpcpp/grpcpp.h>

#include <memory>

#include "chitieu/gateway/v1/gateway.grpc.pb.h"
#include "chitieu/reporting/v1/reporting.grpc.pb.h"
#include "libs/common/policy.h"
#include "services/gateway/audit.h"
#include "services/gateway/auth.h"
#include "services/gateway/edge.h"

namespace chitieu::gateway {

class GatewayService final : public v1::GatewayService::CallbackService {
 public:
  GatewayService(Authenticator* keys, Policy* policy, AuditLog* audit,
                 std::shared_ptr<grpc::Channel> reporting, EdgeLimits limits = {})
      : keys_(keys),
        policy_(policy),
        audit_(audit),
        limits_(limits),
        reporting_(reporting::v1::ReportingService::NewStub(std::move(reporting))) {}

  grpc::ServerUnaryReactor* GetScorecard(grpc::CallbackServerContext* ctx,
                                         const v1::GetScorecardRequest* request,
                                         v1::Scorecard* response) override;
  grpc::ServerUnaryReactor* ListAuditEntries(grpc::CallbackServerContext* ctx,
                                             const v1::ListAuditEntriesRequest* request,
                                             v1::ListAuditEntriesResponse* response) override;

 private:
  // The caller's principal if it may call `method` with `request`, costing
  // `cost` calls of its rate limit.
  absl::StatusOr<Principal> Admit(grpc::CallbackServerContext* ctx, const std::string& method,
                                  const google::protobuf::Message& request, double cost);

  Authenticator* keys_;
  Policy* policy_;
  AuditLog* audit_;
  const EdgeLimits limits_;
  std::unique_ptr<reporting::v1::ReportingService::Stub> reporting_;
};

}  // namespace chitieu::gateway

#pragma once

// The gateway's own methods: GetScorecard (a composite view fetched in
// parallel from reporting) and ListAuditEntries. Answered on the relay, on
// a worker thread (local_call.h): each may wait on reporting or the audit
// log.

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <string>

#include "chitieu/gateway/v1/gateway.grpc.pb.h"
#include "chitieu/reporting/v1/reporting.grpc.pb.h"
#include "libs/common/policy.h"
#include "services/gateway/audit.h"
#include "services/gateway/auth.h"
#include "services/gateway/edge.h"
#include "services/gateway/local_call.h"

namespace chitieu::gateway {

class GatewayService {
 public:
  GatewayService(Authenticator* keys, Policy* policy, AuditLog* audit,
                 std::shared_ptr<grpc::Channel> reporting, EdgeLimits limits = {})
      : keys_(keys),
        policy_(policy),
        audit_(audit),
        limits_(limits),
        reporting_(reporting::v1::ReportingService::NewStub(std::move(reporting))) {}

  // The two methods under their full names.
  std::map<std::string, LocalMethod> Methods();

  grpc::Status GetScorecard(grpc::ServerContextBase* ctx, const v1::GetScorecardRequest& request,
                            v1::Scorecard* response);
  grpc::Status ListAuditEntries(grpc::ServerContextBase* ctx,
                                const v1::ListAuditEntriesRequest& request,
                                v1::ListAuditEntriesResponse* response);

 private:
  // The caller's principal if it may call `method` with `request`, costing
  // `cost` calls of its rate limit.
  absl::StatusOr<Principal> Admit(grpc::ServerContextBase* ctx, const std::string& method,
                                  const google::protobuf::Message& request, double cost);

  Authenticator* keys_;
  Policy* policy_;
  AuditLog* audit_;
  const EdgeLimits limits_;
  std::unique_ptr<reporting::v1::ReportingService::Stub> reporting_;
};

}  // namespace chitieu::gateway

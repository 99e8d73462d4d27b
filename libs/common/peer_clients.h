#pragma once

// The one client adapter per peer service, for what a service asks another
// for its own needs (the gateway's forwarding is proxy.h's): the registry's
// and the quota's read methods, each call made as the service (the service
// secret), with a deadline, and its status read through FromPeerStatus
// with the caller's options.

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "chitieu/quota/v1/quota.grpc.pb.h"
#include "chitieu/registry/v1/registry.grpc.pb.h"
#include "libs/common/grpc_status.h"

namespace chitieu {

class RegistryClient {
 public:
  // One channel for the life of the process; `deadline_ms` bounds each call.
  explicit RegistryClient(std::shared_ptr<grpc::Channel> channel, int deadline_ms = 2000)
      : stub_(registry::v1::RegistryService::NewStub(std::move(channel))),
        deadline_ms_(deadline_ms) {}

  absl::StatusOr<registry::v1::Unit> GetUnit(const std::string& name, const PeerStatusOptions& how);
  absl::StatusOr<registry::v1::Body> GetBody(const std::string& name, const PeerStatusOptions& how);
  absl::StatusOr<registry::v1::Enterprise> GetEnterprise(const std::string& name,
                                                         const PeerStatusOptions& how);
  absl::StatusOr<registry::v1::ListUnitsResponse> ListUnits(
      const registry::v1::ListUnitsRequest& request, const PeerStatusOptions& how);

 private:
  std::unique_ptr<registry::v1::RegistryService::Stub> stub_;
  const int deadline_ms_;
};

class QuotaClient {
 public:
  explicit QuotaClient(std::shared_ptr<grpc::Channel> channel, int deadline_ms = 2000)
      : stub_(quota::v1::QuotaService::NewStub(std::move(channel))), deadline_ms_(deadline_ms) {}

  absl::StatusOr<quota::v1::Target> GetTarget(const std::string& name,
                                              const PeerStatusOptions& how);

 private:
  std::unique_ptr<quota::v1::QuotaService::Stub> stub_;
  const int deadline_ms_;
};

}  // namespace chitieu

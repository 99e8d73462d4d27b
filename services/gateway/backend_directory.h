#pragma once

// ResourceDirectory over the registry's and quota's gRPC APIs (the gateway
// asks as itself, with a deadline per call).

#include <grpcpp/grpcpp.h>

#include <memory>

#include "chitieu/quota/v1/quota.grpc.pb.h"
#include "chitieu/registry/v1/registry.grpc.pb.h"
#include "services/gateway/policy.h"

namespace chitieu::gateway {

class BackendDirectory : public ResourceDirectory {
 public:
  BackendDirectory(std::shared_ptr<grpc::Channel> registry, std::shared_ptr<grpc::Channel> quota,
                   int deadline_ms = 2000)
      : registry_(registry::v1::RegistryService::NewStub(std::move(registry))),
        quota_(quota::v1::QuotaService::NewStub(std::move(quota))),
        deadline_ms_(deadline_ms) {}

  absl::StatusOr<std::string> ParentOf(const std::string& unit) override;
  absl::StatusOr<std::string> SeatOf(const std::string& enterprise) override;
  absl::StatusOr<std::string> UnitOfBody(const std::string& body) override;
  absl::StatusOr<std::string> AssignerOf(const std::string& target) override;

 private:
  std::unique_ptr<registry::v1::RegistryService::Stub> registry_;
  std::unique_ptr<quota::v1::QuotaService::Stub> quota_;
  int deadline_ms_;
};

}  // namespace chitieu::gateway

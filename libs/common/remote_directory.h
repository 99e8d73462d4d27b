#pragma once

// ResourceDirectory over the registry's and quota's gRPC APIs, asked as a
// service (the service secret, no principal), with a deadline per call.
// The gateway uses it whole; the quota service for what the registry owns.

#include <grpcpp/grpcpp.h>

#include <memory>

#include "chitieu/quota/v1/quota.grpc.pb.h"
#include "chitieu/registry/v1/registry.grpc.pb.h"
#include "libs/common/policy.h"

namespace chitieu {

class RemoteDirectory : public ResourceDirectory {
 public:
  // `quota` may be null: then no target is found.
  RemoteDirectory(std::shared_ptr<grpc::Channel> registry, std::shared_ptr<grpc::Channel> quota,
                  int deadline_ms = 2000)
      : registry_(registry::v1::RegistryService::NewStub(std::move(registry))),
        quota_(quota ? quota::v1::QuotaService::NewStub(std::move(quota)) : nullptr),
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

}  // namespace chitieu

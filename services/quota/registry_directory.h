#pragma once

// UnitDirectory over the registry's gRPC API, with a deadline per call.

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "chitieu/registry/v1/registry.grpc.pb.h"
#include "services/quota/unit_directory.h"

namespace chitieu::quota {

class RegistryDirectory : public UnitDirectory {
 public:
  // One channel for the life of the process; `deadline_ms` bounds each call.
  RegistryDirectory(std::shared_ptr<grpc::Channel> channel, int deadline_ms = 2000)
      : stub_(registry::v1::RegistryService::NewStub(std::move(channel))),
        deadline_ms_(deadline_ms) {}

  absl::StatusOr<registry::v1::Unit> GetUnit(const std::string& name) override;
  absl::StatusOr<registry::v1::Body> GetBody(const std::string& name) override;

 private:
  std::unique_ptr<registry::v1::RegistryService::Stub> stub_;
  int deadline_ms_;
};

}  // namespace chitieu::quota

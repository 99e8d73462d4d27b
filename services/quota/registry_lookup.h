#pragma once

// Units and bodies belong to the registry. The quota domain asks this
// interface about them; grpc_registry_lookup.h implements it over gRPC, tests
// use a fake.

#include <string>

#include "absl/status/statusor.h"
#include "chitieu/registry/v1/registry.pb.h"

namespace chitieu::quota {

class RegistryLookup {
 public:
  virtual ~RegistryLookup() = default;
  // NOT_FOUND if the registry has no such unit; UNAVAILABLE if the registry
  // cannot be reached within the deadline.
  virtual absl::StatusOr<registry::v1::Unit> GetUnit(const std::string& name) = 0;
  virtual absl::StatusOr<registry::v1::Body> GetBody(const std::string& name) = 0;
};

}  // namespace chitieu::quota

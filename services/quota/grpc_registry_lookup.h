#pragma once

// RegistryLookup over the registry's gRPC API (libs/common/peer_clients.h):
// a registry that cannot answer in time is UNAVAILABLE and nothing is
// written; a name it refuses keeps its field violations.

#include <string>

#include "libs/common/peer_clients.h"
#include "services/quota/registry_lookup.h"

namespace chitieu::quota {

class GrpcRegistryLookup : public RegistryLookup {
 public:
  // `registry` is not owned.
  explicit GrpcRegistryLookup(RegistryClient* registry) : registry_(registry) {}

  absl::StatusOr<registry::v1::Unit> GetUnit(const std::string& name) override;
  absl::StatusOr<registry::v1::Body> GetBody(const std::string& name) override;

 private:
  RegistryClient* registry_;
};

}  // namespace chitieu::quota

// RegistryLookup over the registry client (grpc_registry_lookup.h).

#include "services/quota/grpc_registry_lookup.h"

namespace chitieu::quota {
namespace {

// NOT_FOUND keeps the registry's message, INVALID_ARGUMENT its violations;
// any other failure is the registry's, not the caller's.
const PeerStatusOptions& FromRegistry() {
  static const PeerStatusOptions kOptions = {
      .unavailable_message = "the registry cannot be reached; nothing was written"};
  return kOptions;
}

}  // namespace

absl::StatusOr<registry::v1::Unit> GrpcRegistryLookup::GetUnit(const std::string& name) {
  return registry_->GetUnit(name, FromRegistry());
}

absl::StatusOr<registry::v1::Body> GrpcRegistryLookup::GetBody(const std::string& name) {
  return registry_->GetBody(name, FromRegistry());
}

}  // namespace chitieu::quota

// The registry and quota clients: one unary call each (peer_clients.h).

#include "libs/common/peer_clients.h"

#include <chrono>

#include "libs/common/principal.h"
#include "libs/common/status_macros.h"

namespace chitieu {
namespace {

// One unary call of `method` on `stub` as the service, within `deadline_ms`.
template <typename Stub, typename Request, typename Response>
absl::StatusOr<Response> Call(
    Stub& stub, grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
    const Request& request, int deadline_ms, const PeerStatusOptions& how) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(deadline_ms));
  AddServiceSecret(&context);
  Response response;
  RETURN_IF_ERROR(FromPeerStatus((stub.*method)(&context, request, &response), how));
  return response;
}

}  // namespace

absl::StatusOr<registry::v1::Unit> RegistryClient::GetUnit(const std::string& name,
                                                           const PeerStatusOptions& how) {
  registry::v1::GetUnitRequest request;
  request.set_name(name);
  return Call(*stub_, &registry::v1::RegistryService::Stub::GetUnit, request, deadline_ms_, how);
}

absl::StatusOr<registry::v1::Body> RegistryClient::GetBody(const std::string& name,
                                                           const PeerStatusOptions& how) {
  registry::v1::GetBodyRequest request;
  request.set_name(name);
  return Call(*stub_, &registry::v1::RegistryService::Stub::GetBody, request, deadline_ms_, how);
}

absl::StatusOr<registry::v1::Enterprise> RegistryClient::GetEnterprise(
    const std::string& name, const PeerStatusOptions& how) {
  registry::v1::GetEnterpriseRequest request;
  request.set_name(name);
  return Call(*stub_, &registry::v1::RegistryService::Stub::GetEnterprise, request, deadline_ms_,
              how);
}

absl::StatusOr<registry::v1::ListUnitsResponse> RegistryClient::ListUnits(
    const registry::v1::ListUnitsRequest& request, const PeerStatusOptions& how) {
  return Call(*stub_, &registry::v1::RegistryService::Stub::ListUnits, request, deadline_ms_, how);
}

absl::StatusOr<quota::v1::Target> QuotaClient::GetTarget(const std::string& name,
                                                         const PeerStatusOptions& how) {
  quota::v1::GetTargetRequest request;
  request.set_name(name);
  return Call(*stub_, &quota::v1::QuotaService::Stub::GetTarget, request, deadline_ms_, how);
}

}  // namespace chitieu

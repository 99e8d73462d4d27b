#include "services/quota/registry_directory.h"

#include <chrono>

#include "libs/common/grpc_status.h"
#include "libs/common/principal.h"
#include "libs/common/status_macros.h"

namespace chitieu::quota {
namespace {

// The registry's answer, as the quota domain should see it: a registry that
// cannot answer in time is UNAVAILABLE, whatever gRPC said.
absl::Status FromRegistry(const grpc::Status& status) {
  switch (status.error_code()) {
    case grpc::StatusCode::OK:
      return absl::OkStatus();
    case grpc::StatusCode::NOT_FOUND:
      return absl::NotFoundError(status.error_message());
    case grpc::StatusCode::INVALID_ARGUMENT:
      return FromGrpcStatus(status);
    default:
      return absl::UnavailableError("the registry cannot be reached; nothing was written");
  }
}

}  // namespace

absl::StatusOr<registry::v1::Unit> RegistryDirectory::GetUnit(const std::string& name) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(deadline_ms_));
  AddServiceSecret(&ctx);
  registry::v1::GetUnitRequest request;
  request.set_name(name);
  registry::v1::Unit unit;
  RETURN_IF_ERROR(FromRegistry(stub_->GetUnit(&ctx, request, &unit)));
  return unit;
}

absl::StatusOr<registry::v1::Body> RegistryDirectory::GetBody(const std::string& name) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(deadline_ms_));
  AddServiceSecret(&ctx);
  registry::v1::GetBodyRequest request;
  request.set_name(name);
  registry::v1::Body body;
  RETURN_IF_ERROR(FromRegistry(stub_->GetBody(&ctx, request, &body)));
  return body;
}

}  // namespace chitieu::quota

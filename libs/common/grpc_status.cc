// The one outbound and the one inbound status mapping (grpc_status.h).

#include "libs/common/grpc_status.h"

#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "google/rpc/status.pb.h"
#include "libs/common/errors.h"

namespace chitieu {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) {
    return grpc::Status::OK;
  }
  const auto code = static_cast<grpc::StatusCode>(status.code());
  if (IsInternalFailure(status)) {
    return grpc::Status(code, CallerMessage(status));
  }
  google::rpc::Status rpc_status;
  rpc_status.set_code(static_cast<int>(status.code()));
  rpc_status.set_message(std::string(status.message()));
  status.ForEachPayload([&](absl::string_view type_url, const absl::Cord& payload) {
    auto* any = rpc_status.add_details();
    any->set_type_url(std::string(type_url));
    any->set_value(std::string(payload));
  });
  return grpc::Status(code, std::string(status.message()), rpc_status.SerializeAsString());
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) {
    return absl::OkStatus();
  }
  absl::Status out(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
  google::rpc::Status rpc_status;
  if (!status.error_details().empty() && rpc_status.ParseFromString(status.error_details())) {
    for (const auto& any : rpc_status.details()) {
      out.SetPayload(any.type_url(), absl::Cord(any.value()));
    }
  }
  return out;
}

absl::Status FromPeerStatus(const grpc::Status& status, const PeerStatusOptions& options) {
  switch (status.error_code()) {
    case grpc::StatusCode::OK:
      return absl::OkStatus();
    case grpc::StatusCode::NOT_FOUND:
      return absl::NotFoundError(options.resource.empty() ? status.error_message()
                                                          : options.resource);
    case grpc::StatusCode::INVALID_ARGUMENT:
      if (options.hide_invalid_argument) {
        return absl::NotFoundError(options.resource);
      }
      return FromGrpcStatus(status);
    default:
      return absl::UnavailableError(
          options.unavailable_message.empty()
              ? absl::StrCat("cannot check ", options.resource, ": ", status.error_message())
              : options.unavailable_message);
  }
}

}  // namespace chitieu

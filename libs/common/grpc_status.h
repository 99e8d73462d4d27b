#pragma once

// The one mapping between absl::Status (below transport) and grpc::Status.

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace chitieu {

// Converts a domain status to the status sent to the caller. absl and gRPC
// codes share numbers. Payloads become google.rpc.Status details in the
// `grpc-status-details-bin` trailer. An INTERNAL (or UNKNOWN, DATA_LOSS)
// status is logged in full and sent as a bare "internal error": its details
// are ours, not the caller's.
grpc::Status ToGrpcStatus(const absl::Status& status);

// Converts a status received from a peer back into absl::Status, keeping its
// google.rpc details as payloads.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace chitieu

#include <grpcpp/server_context.h>
#include <grpcpp/support/server_callback.h>

#include "absl/status/statusor.h"

namespace chitieu {

// Finishes a unary callback call with `result`: on success the value is
// moved into `*out`, and the status goes through ToGrpcStatus.
template <typename Response>
grpc::ServerUnaryReactor* Respond(grpc::CallbackServerContext* context,
                                  absl::StatusOr<Response> result, Response* out) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (result.ok()) {
    *out = std::move(*result);
  }
  reactor->Finish(ToGrpcStatus(result.status()));
  return reactor;
}

}  // namespace chitieu

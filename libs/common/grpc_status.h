#pragma once

// The one mapping between absl::Status (below transport) and grpc::Status:
// outbound (what a caller is sent) and inbound (what a peer answered).

#include <grpcpp/support/status.h>

#include <string>

#include "absl/status/status.h"

namespace chitieu {

// Converts a domain status to the status sent to the caller. absl and gRPC
// codes share numbers. Payloads become google.rpc.Status details in the
// `grpc-status-details-bin` trailer. An INTERNAL (or UNKNOWN, DATA_LOSS)
// status is logged in full and sent as a bare "internal error": its details
// are ours, not the caller's.
grpc::Status ToGrpcStatus(const absl::Status& status);

// Converts a status received from a peer back into absl::Status as it is,
// code, message and google.rpc details (as payloads).
absl::Status FromGrpcStatus(const grpc::Status& status);

// How a service reads a peer's answer about one resource (FromPeerStatus).
struct PeerStatusOptions {
  // The resource asked about, by name; NOT_FOUND and UNAVAILABLE say it.
  // Empty: NOT_FOUND keeps the peer's message.
  std::string resource;
  // INVALID_ARGUMENT becomes NOT_FOUND of `resource`, with nothing of the
  // peer's reason. For authorization look-ups of a name a caller sent: a
  // name the peer refuses names nothing, and the refusal must not tell the
  // caller more than that. Off: INVALID_ARGUMENT comes back as it is, with
  // its field violations (the quota domain reports them).
  bool hide_invalid_argument = false;
  // The message of the UNAVAILABLE that every other failure (deadline,
  // cancellation, the peer's own INTERNAL, …) becomes, so that a caller
  // never sees a peer's failure as its own. Empty: "cannot check
  // <resource>: <the peer's message>".
  std::string unavailable_message;
};

// The one inbound mapping for calls to peer services: OK, NOT_FOUND and
// INVALID_ARGUMENT as `options` says, any other code UNAVAILABLE.
absl::Status FromPeerStatus(const grpc::Status& status, const PeerStatusOptions& options);

}  // namespace chitieu

#pragma once

// What a relayed call carries to the service besides its messages: the
// caller's metadata the gateway may pass on, the principal it admitted,
// the request id and the deadline (relay_call.cc).

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>

#include <string>

#include "google/protobuf/message.h"
#include "libs/common/principal.h"

namespace chitieu::gateway {

// A request id for a call whose caller sent none the log may keep.
std::string NewRequestId();

// The request's own request_id, if it is one the audit log may keep: the
// services' shape (1 to 128 of letters, digits, '.', '_', ':', '-'); the
// log stores nothing else a caller wrote.
std::string RequestIdOf(const google::protobuf::Message& m);

// Fills `up` for the call to the service: the caller's forwardable
// metadata (credentials, gRPC's own and the gateway's headers never; a
// value gRPC would refuse dropped, never an abort), the principal, the
// request id, and the caller's deadline or `default_deadline_ms` from now.
void PrepareUpstreamContext(const grpc::GenericServerContext& caller, const Principal& principal,
                            const std::string& request_id, int default_deadline_ms,
                            grpc::ClientContext* up);

}  // namespace chitieu::gateway

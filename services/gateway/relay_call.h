#pragma once

// One call through the gateway's proxy (proxy.h), as a state machine on
// its completion queue: every step of it runs on that queue's thread.

#include <grpcpp/grpcpp.h>

#include "services/gateway/proxy.h"

namespace chitieu::gateway {

// Waits for the next call on `cq`, which then relays itself.
void AwaitCall(Proxy* proxy, grpc::ServerCompletionQueue* cq);

// An operation that came back from `cq` with `tag`: the next step of its
// call (which is deleted once nothing of it is pending).
void CompleteRelayOp(void* tag, bool ok);

}  // namespace chitieu::gateway

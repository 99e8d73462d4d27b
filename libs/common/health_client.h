#pragma once

// A grpc.health.v1 client without generated code (Debian ships no C++ stubs
// for the health proto): one Check call through a generic stub.

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

namespace chitieu {

// One grpc.health.v1.Health/Check for `service` ("": the whole server);
// true when it answers SERVING within `timeout_ms`. On gRPC's callback API,
// whose thread then keeps reading the process's connections: a process
// with no poller of its own (a test, a probe) still answers a server's
// GOAWAY at once, and the server's graceful shutdown does not wait on it.
bool IsServing(const std::shared_ptr<grpc::Channel>& channel, int timeout_ms = 1000,
               const std::string& service = "");

// The same on a completion queue of the calling thread's own, polled only
// while it waits: for a process that must run no callback-API thread (the
// gateway, whose relay thread polls every connection; docs/PERFORMANCE.md).
bool IsServingOwnQueue(const std::shared_ptr<grpc::Channel>& channel, int timeout_ms = 1000,
                       const std::string& service = "");

}  // namespace chitieu

#pragma once

// A grpc.health.v1 client without generated code (Debian ships no C++ stubs
// for the health proto): one Check call through a generic stub.

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

namespace chitieu {

// One grpc.health.v1.Health/Check for `service` ("": the whole server);
// true when it answers SERVING within `timeout_ms`.
bool IsServing(const std::shared_ptr<grpc::Channel>& channel, int timeout_ms = 1000,
               const std::string& service = "");

}  // namespace chitieu

#pragma once

// Who is calling. The gateway authenticates callers and passes the
// principal to the services in the `x-chitieu-principal` metadata; until the
// gateway exists (and for direct calls) the principal is "anonymous".

#include <grpcpp/server_context.h>

#include <string>

namespace chitieu {

inline constexpr char kPrincipalMetadata[] = "x-chitieu-principal";

inline std::string PrincipalOf(const grpc::CallbackServerContext& context) {
  const auto& md = context.client_metadata();
  auto it = md.find(kPrincipalMetadata);
  if (it == md.end() || it->second.empty()) return "anonymous";
  return std::string(it->second.data(), it->second.size());
}

}  // namespace chitieu

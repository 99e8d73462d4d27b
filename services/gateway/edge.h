#pragma once

// Admission at the gateway's front, the same for every method it serves
// (the proxied ones and its own): the client address's budget of failed
// sign-ins, the credential, then the principal's rate limit — each refusal
// immediate (UNAUTHENTICATED, or RESOURCE_EXHAUSTED with when to retry),
// never by holding the call.

#include <grpcpp/server_context.h>

#include <string>

#include "absl/status/statusor.h"
#include "libs/common/policy.h"
#include "services/gateway/auth.h"
#include "services/gateway/rate_limit.h"

namespace chitieu::gateway {

// Metadata the gateway's own HTTP bridge sets (over its local socket only)
// to name the HTTP client's address.
inline constexpr char kHttpClientMetadata[] = "x-chitieu-http-client";
struct EdgeLimits {
  // Calls per principal; null: no limit.
  RateLimiter* calls = nullptr;
  // Failed sign-ins per client address; null: no limit.
  RateLimiter* failed_sign_ins = nullptr;
};

// The address a call comes from, without its port: "ipv4:127.0.0.1",
// "ipv6:[::1]"; for the HTTP bridge's local socket, the HTTP client's
// address it passed on.
std::string ClientAddress(const grpc::ServerContextBase& context);

// The principal of a call that may go on, costing `cost` calls (a call
// that fans out into several costs as many).
absl::StatusOr<Principal> AdmitAtEdge(const Authenticator& keys, const EdgeLimits& limits,
                                      const grpc::ServerContextBase& context, double cost = 1.0);

}  // namespace chitieu::gateway

#pragma once

// Who is calling, and whether the call came through the gateway.
//
// The gateway authenticates callers and passes the principal to the
// services in the `x-chitieu-principal` metadata. When a service secret is
// configured (--service_secret or CHITIEU_SERVICE_SECRET, the same on the
// gateway and every service), a service refuses any call that does not
// carry it in `x-chitieu-service-secret`: a direct call that skips the
// gateway is UNAUTHENTICATED, and only then is the principal header
// trusted. Without a secret the services trust their network (bind them
// to loopback or a private network) and a missing principal is
// "anonymous".

#include <grpcpp/client_context.h>
#include <grpcpp/server_context.h>

#include <string>

#include "absl/status/statusor.h"
#include "libs/common/grpc_status.h"

namespace chitieu {

inline constexpr char kPrincipalMetadata[] = "x-chitieu-principal";
inline constexpr char kServiceSecretMetadata[] = "x-chitieu-service-secret";

// The configured secret, "" if none.
std::string ServiceSecret();

// OK if no secret is configured or the call carries it; UNAUTHENTICATED
// otherwise.
absl::Status CheckCaller(const grpc::ServerContextBase& context);

// Adds the secret (if one is configured) to a call to another service.
void AddServiceSecret(grpc::ClientContext* context);

// The principal the gateway vouched for, or "anonymous".
std::string PrincipalOf(const grpc::ServerContextBase& context);

// Finishes a unary call with `fn()`, unless the caller is refused.
template <typename Response, typename Fn>
grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* context, Response* out, Fn fn) {
  if (absl::Status s = CheckCaller(*context); !s.ok()) {
    return Respond(context, absl::StatusOr<Response>(s), out);
  }
  return Respond(context, fn(), out);
}

}  // namespace chitieu

// Defines Service::Method as a unary handler that hands the request to
// `domain->Method` through Serve (caller check, status mapping). Each
// service's transport file lists its methods with it.
#define CHITIEU_UNARY_HANDLER(Service, domain, Method, Request, Response)                         \
  grpc::ServerUnaryReactor* Service::Method(grpc::CallbackServerContext* c, const pb::Request* r, \
                                            pb::Response* out) {                                  \
    return ::chitieu::Serve(c, out, [&] { return domain->Method(*r); });                          \
  }

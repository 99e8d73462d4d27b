#pragma once

// Who is calling, and whether the call came through the gateway.
//
// The gateway authenticates callers and passes the principal to the
// services in metadata: `x-chitieu-principal` (name), `x-chitieu-role` and
// `x-chitieu-scope` (unit names, comma-separated). The services trust that
// metadata only from a trusted caller:
//   - with mTLS (--tls_client_ca, tls.h), a peer whose certificate the
//     listener verified against the services' CA;
//   - with a service secret (--service_secret or CHITIEU_SERVICE_SECRET, the
//     same on the gateway and every service), a call carrying it in
//     `x-chitieu-service-secret`;
//   - with neither, any caller: the services then trust their network (bind
//     them to loopback or a private network).
// Anyone else is UNAUTHENTICATED. A trusted call without a principal comes
// from another service or an operator's tool. A call with one is checked
// again against the same policy the gateway applied (policy.h), over the
// service's own data: a call the gateway wrongly let through is still
// refused.

#include <grpcpp/client_context.h>
#include <grpcpp/server_context.h>

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "libs/common/grpc_status.h"
#include "libs/common/policy.h"

namespace chitieu {

inline constexpr char kPrincipalMetadata[] = "x-chitieu-principal";
inline constexpr char kRoleMetadata[] = "x-chitieu-role";
inline constexpr char kScopeMetadata[] = "x-chitieu-scope";
inline constexpr char kServiceSecretMetadata[] = "x-chitieu-service-secret";

// The configured secret, "" if none.
std::string ServiceSecret();

// OK if no secret is configured or the call carries it; UNAUTHENTICATED
// otherwise.
absl::Status CheckCaller(const grpc::ServerContextBase& context);

// Adds the secret (if one is configured) to a call to another service.
void AddServiceSecret(grpc::ClientContext* context);

// Adds the secret and `principal` to a call the gateway makes on the
// principal's behalf.
void AddPrincipal(const Principal& principal, grpc::ClientContext* context);

// The principal's name the gateway vouched for, or "anonymous".
std::string PrincipalOf(const grpc::ServerContextBase& context);

// The principal the gateway vouched for; nullopt for a call from another
// service or an operator's tool (trusted caller, no principal).
std::optional<Principal> VouchedPrincipal(const grpc::ServerContextBase& context);

// The policy this service checks calls against (set once at start-up; a
// service without one checks the caller only).
void SetCallPolicy(Policy* policy);

// CheckCaller, then (for a call on a principal's behalf) the policy:
// UNAUTHENTICATED, PERMISSION_DENIED or UNAVAILABLE when refused.
absl::Status AdmitCall(const grpc::ServerContextBase& context, const std::string& method,
                       const google::protobuf::Message& request);

// Finishes a unary call with `fn()`, unless the call is refused.
template <typename Response, typename Fn>
grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* context, const std::string& method,
                                const google::protobuf::Message& request, Response* out, Fn fn) {
  if (absl::Status s = AdmitCall(*context, method, request); !s.ok()) {
    return Respond(context, absl::StatusOr<Response>(s), out);
  }
  return Respond(context, fn(), out);
}

}  // namespace chitieu

// The full name ("/pkg.Service/Method") of a method of `Service`, a
// transport class with a kFullName ("pkg.Service").
#define CHITIEU_METHOD_PATH(Service, Method) \
  (::std::string("/") + Service::kFullName + "/" #Method)

// Defines Service::Method as a unary handler that hands the request to
// `domain->Method` through Serve (caller and policy check, status
// mapping). Each service's transport file lists its methods with it.
#define CHITIEU_UNARY_HANDLER(Service, domain, Method, Request, Response)                         \
  grpc::ServerUnaryReactor* Service::Method(grpc::CallbackServerContext* c, const pb::Request* r, \
                                            pb::Response* out) {                                  \
    static const ::std::string kPath = CHITIEU_METHOD_PATH(Service, Method);                      \
    return ::chitieu::Serve(c, kPath, *r, out, [&] { return domain->Method(*r); });               \
  }

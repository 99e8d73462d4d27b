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

#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "libs/common/grpc_status.h"
#include "libs/common/page_token_seal.h"
#include "libs/common/policy.h"

namespace chitieu {

inline constexpr char kPrincipalMetadata[] = "x-chitieu-principal";
inline constexpr char kRoleMetadata[] = "x-chitieu-role";
inline constexpr char kScopeMetadata[] = "x-chitieu-scope";
inline constexpr char kServiceSecretMetadata[] = "x-chitieu-service-secret";

// The first value of `key` in received metadata; "" if absent.
std::string MetadataValue(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata,
                          absl::string_view key);
// The same for a call's client metadata.
std::string ClientMetadata(const grpc::ServerContextBase& context, absl::string_view key);

// True for a value gRPC accepts in ASCII metadata: printable ASCII (space
// to '~'), at most 8 KiB. Anything a caller sent is checked with it before
// it is put into metadata (gRPC's C++ library aborts the process on a value
// outside that set).
bool SafeMetadataValue(absl::string_view value);

// A name that may hold any Unicode (a JWT's sub) as metadata: bytes other
// than letters, digits and ".:@_-" percent-encoded; and back.
std::string EncodeMetadataText(absl::string_view text);
std::string DecodeMetadataText(absl::string_view text);

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

// Finishes a unary call with `fn(request)`, unless the call is refused. A
// list's page tokens are unsealed on the way in and sealed on the way out
// (page_token_seal.h), bound to the caller and the query.
template <typename Request, typename Response, typename Fn>
grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* context, const std::string& method,
                                const Request& request, Response* out, Fn fn) {
  if (absl::Status s = AdmitCall(*context, method, request); !s.ok()) {
    return Respond(context, absl::StatusOr<Response>(s), out);
  }
  if (request.GetDescriptor()->FindFieldByName("page_token") == nullptr) {
    return Respond(context, fn(request), out);
  }
  const std::string binding = PageTokenBinding(PrincipalOf(*context), method, request);
  auto unsealed = UnsealRequest(binding, request);
  if (!unsealed.ok()) return Respond(context, absl::StatusOr<Response>(unsealed.status()), out);
  absl::StatusOr<Response> result =
      fn(*unsealed ? static_cast<const Request&>(**unsealed) : request);
  if (result.ok()) SealResponse(binding, &*result);
  return Respond(context, std::move(result), out);
}

}  // namespace chitieu

// The full name ("/pkg.Service/Method") of a method of `Service`, a
// transport class with a kFullName ("pkg.Service").
#define CHITIEU_METHOD_PATH(Service, Method) (::std::string("/") + Service::kFullName + "/" #Method)

// Defines Service::Method as a unary handler that hands the request to
// `domain->Method` through Serve (caller and policy check, status
// mapping). Each service's transport file lists its methods with it.
#define CHITIEU_UNARY_HANDLER(Service, domain, Method, Request, Response)                         \
  grpc::ServerUnaryReactor* Service::Method(grpc::CallbackServerContext* c, const pb::Request* r, \
                                            pb::Response* out) {                                  \
    static const ::std::string kPath = CHITIEU_METHOD_PATH(Service, Method);                      \
    return ::chitieu::Serve(c, kPath, *r, out,                                                    \
                            [&](const pb::Request& q) { return domain->Method(q); });             \
  }

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

}  // namespace chitieu

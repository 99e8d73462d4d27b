#pragma once

// The plumbing every service's gRPC handlers share: admitting a call (the
// caller, then the policy over the request as declared), finishing a unary
// call through the one status mapping, sealing page tokens, and a method's
// full path. Each service's *_service.cc writes its handlers out with it.

#include <grpcpp/server_context.h>

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "libs/common/grpc_status.h"
#include "libs/common/page_token_seal.h"
#include "libs/common/policy.h"
#include "libs/common/principal.h"

namespace chitieu {

// "/pkg.Service/Method", the path gRPC and the policy's declarations name
// a method by; `service` is a transport class's kFullName.
std::string MethodPath(absl::string_view service, absl::string_view method);

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
  if (!unsealed.ok()) {
    return Respond(context, absl::StatusOr<Response>(unsealed.status()), out);
  }
  absl::StatusOr<Response> result =
      fn(*unsealed ? static_cast<const Request&>(**unsealed) : request);
  if (result.ok()) {
    SealResponse(binding, &*result);
  }
  return Respond(context, std::move(result), out);
}

}  // namespace chitieu

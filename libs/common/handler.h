#pragma once

// The plumbing every service's gRPC handlers share: admitting a call (the
// caller, then the policy over the request as declared), finishing a unary
// call through the one status mapping, sealing page tokens, and a method's
// full path. Each service's *_service.cc writes its handlers out with it.

#include <grpcpp/server_context.h>
#include <grpcpp/support/server_callback.h>

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "libs/common/grpc_status.h"
#include "libs/common/page_token_seal.h"
#include "libs/common/policy.h"
#include "libs/common/principal.h"

namespace chitieu {

class WorkerPool;

// "/pkg.Service/Method", the path gRPC and the policy's declarations name
// a method by; `service` is a transport class's kFullName.
std::string MethodPath(absl::string_view service, absl::string_view method);

// The policy this service checks calls against (set once at start-up; a
// service without one checks the caller only).
void SetCallPolicy(Policy* policy);

// CheckCaller, then AuthorizeCall: UNAUTHENTICATED, PERMISSION_DENIED or
// UNAVAILABLE when refused.
absl::Status AdmitCall(const grpc::ServerContextBase& context, const std::string& method,
                       const google::protobuf::Message& request);
// The policy alone, for a call on a principal's behalf (the caller already
// checked): PERMISSION_DENIED or UNAVAILABLE when refused.
absl::Status AuthorizeCall(const grpc::ServerContextBase& context, const std::string& method,
                           const google::protobuf::Message& request);

// The threads that run the services' handlers, set by RunServer (a test
// that builds a server of its own may set one too; without, handlers run
// on gRPC's thread). gRPC 1.51 runs every callback of its callback API on
// a few threads a process ("nexting_thread": one per two cores, at least
// two); a handler that waits on a database there holds one of them, and
// with all of them waiting no other call of the process moves
// (docs/PERFORMANCE.md).
void SetHandlerPool(WorkerPool* pool);

// Runs `task` for a new call: on the caller's thread if no other handler
// runs on one of gRPC's threads now (a lone call then costs no hand-off,
// and gRPC's other thread stays free) or if there is no pool, else on the
// pool; false, and `task` not run, if the pool's queue is full.
bool RunHandler(std::function<void()> task);

// Runs the next step of a call already taken (a stream's next message) on
// the pool, or on the caller's thread if there is none: never refused.
void ContinueHandler(std::function<void()> task);

// UNAVAILABLE (a caller retries it later): the handlers' queue is full.
absl::Status BusyError();
grpc::Status Busy();  // The same, mapped.

// Starts a new call that answers once, every refusal on one rule:
// `answer(admitted)` runs exactly once. A caller without the service's
// credentials is refused at once, before it waits for a thread; a full
// queue answers UNAVAILABLE (BusyError) at once; otherwise on a handler
// thread (RunHandler), where a call given up while it waited (its deadline
// passed, the caller went away, the server is shutting down) is answered
// CANCELLED, and the policy is asked (AuthorizeCall). `answer` does the
// call's work only when `admitted` is OK. `request` lives until the call
// finishes.
template <typename Answer>
void StartCall(grpc::CallbackServerContext* context, const std::string& method,
               const google::protobuf::Message& request, Answer answer) {
  if (absl::Status s = CheckCaller(*context); !s.ok()) {
    answer(s);
    return;
  }
  auto shared = std::make_shared<Answer>(std::move(answer));
  const bool accepted = RunHandler([context, method, &request, shared] {
    if (context->IsCancelled()) {
      (*shared)(absl::CancelledError("the call was cancelled"));
      return;
    }
    (*shared)(AuthorizeCall(*context, method, request));
  });
  if (!accepted) {
    (*shared)(BusyError());
  }
}

namespace internal {

// Serve's answer for an admitted call, on the handler's thread: the
// status, `*out` filled on OK.
template <typename Request, typename Response, typename Fn>
grpc::Status Answer(const grpc::CallbackServerContext& context, const std::string& method,
                    const Request& request, Response* out, const Fn& fn) {
  absl::StatusOr<Response> result;
  if (request.GetDescriptor()->FindFieldByName("page_token") == nullptr) {
    result = fn(request);
  } else {
    const std::string binding = PageTokenBinding(PrincipalOf(context), method, request);
    auto unsealed = UnsealRequest(binding, request);
    if (!unsealed.ok()) {
      return ToGrpcStatus(unsealed.status());
    }
    result = fn(*unsealed ? static_cast<const Request&>(**unsealed) : request);
    if (result.ok()) {
      SealResponse(binding, &*result);
    }
  }
  if (!result.ok()) {
    return ToGrpcStatus(result.status());
  }
  *out = std::move(*result);
  return grpc::Status::OK;
}

}  // namespace internal

// Finishes a unary call with `fn(request)`, on a handler thread, unless
// the call is refused (StartCall). A list's page tokens are unsealed on
// the way in and sealed on the way out (page_token_seal.h), bound to the
// caller and the query. `fn` may run after the handler has returned, so it
// captures by value (the request, the response and the call's context live
// until the call finishes).
template <typename Request, typename Response, typename Fn>
grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* context, const std::string& method,
                                const Request& request, Response* out, Fn fn) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  StartCall(context, method, request,
            [context, method, &request, out, reactor, fn = std::move(fn)](absl::Status admitted) {
              reactor->Finish(admitted.ok() ? internal::Answer(*context, method, request, out, fn)
                                            : ToGrpcStatus(admitted));
            });
  return reactor;
}

}  // namespace chitieu

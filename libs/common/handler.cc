// Admitting a call: the caller, then the declared policy (handler.h).

#include "libs/common/handler.h"

#include <atomic>
#include <optional>

#include "absl/strings/str_cat.h"
#include "libs/common/status_macros.h"

namespace chitieu {

std::string MethodPath(absl::string_view service, absl::string_view method) {
  return absl::StrCat("/", service, "/", method);
}

namespace {
std::atomic<Policy*> call_policy{nullptr};
}  // namespace

void SetCallPolicy(Policy* policy) { call_policy.store(policy); }

absl::Status AdmitCall(const grpc::ServerContextBase& context, const std::string& method,
                       const google::protobuf::Message& request) {
  RETURN_IF_ERROR(CheckCaller(context));
  Policy* policy = call_policy.load();
  if (policy == nullptr) {
    return absl::OkStatus();
  }
  std::optional<Principal> principal = VouchedPrincipal(context);
  if (!principal) {
    return absl::OkStatus();
  }
  return policy->Authorize(*principal, method, request);
}

}  // namespace chitieu

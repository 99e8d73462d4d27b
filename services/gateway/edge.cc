// Admission at the gateway's front: sign-in and rate budgets (edge.h).

#include "services/gateway/edge.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "libs/common/errors.h"
#include "libs/common/principal.h"

namespace chitieu::gateway {

std::string ClientAddress(const grpc::ServerContextBase& context) {
  const std::string peer = context.peer();
  if (absl::StartsWith(peer, "unix:")) {
    // Only the HTTP bridge reaches the local socket; it names its client,
    // written as gRPC writes peers so both protocols share one budget.
    const std::string client = ClientMetadata(context, kHttpClientMetadata).substr(0, 64);
    if (client.empty()) {
      return "unix";
    }
    return absl::StrContains(client, ':') ? absl::StrCat("ipv6:[", client, "]")
                                          : absl::StrCat("ipv4:", client);
  }
  // "ipv4:1.2.3.4:5678", "ipv6:[::1]:5678": drop the port.
  const size_t colon = peer.rfind(':');
  const size_t first = peer.find(':');
  return colon == std::string::npos || colon == first ? peer : peer.substr(0, colon);
}

absl::StatusOr<Principal> AdmitAtEdge(const Authenticator& keys, const EdgeLimits& limits,
                                      const grpc::ServerContextBase& context, double cost) {
  const std::string address = ClientAddress(context);
  if (limits.failed_sign_ins != nullptr && limits.failed_sign_ins->Exhausted(address)) {
    return TooManyRequests("too many failed sign-ins from this address; retry later",
                           limits.failed_sign_ins->RetryAfter(address));
  }
  auto principal = keys.Authenticate(ClientMetadata(context, "authorization"));
  if (!principal.ok()) {
    if (limits.failed_sign_ins != nullptr) {
      limits.failed_sign_ins->Charge(address);
    }
    return principal.status();
  }
  if (limits.calls != nullptr && !limits.calls->Allow(principal->name, cost)) {
    return TooManyRequests("too many calls: slow down and retry with backoff",
                           limits.calls->RetryAfter(principal->name, cost));
  }
  return principal;
}

}  // namespace chitieu::gateway

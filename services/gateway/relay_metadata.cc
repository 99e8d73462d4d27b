// What a relayed call carries to the service (relay_metadata.h).

#include "services/gateway/relay_metadata.h"

#include <atomic>
#include <chrono>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "libs/common/idempotency.h"
#include "libs/common/principal.h"
#include "services/gateway/proxy.h"

namespace chitieu::gateway {
namespace {

// Caller metadata passed on to the service: everything but credentials,
// gRPC's own and the headers the gateway alone may set.
bool Forwardable(absl::string_view key) {
  return key != "authorization" && !absl::StartsWith(key, "x-chitieu-") &&
         !absl::StartsWith(key, "grpc-") && !absl::StartsWith(key, ":") &&
         key != kRequestIdHeader && key != "content-type" && key != "te" && key != "user-agent";
}

}  // namespace

std::string NewRequestId() {
  static std::atomic<uint64_t> counter{0};
  return absl::StrCat("gw-", absl::ToUnixNanos(absl::Now()), "-", counter.fetch_add(1));
}

std::string RequestIdOf(const google::protobuf::Message& m) {
  const auto* f = m.GetDescriptor()->FindFieldByName("request_id");
  if (f == nullptr || f->type() != google::protobuf::FieldDescriptor::TYPE_STRING) {
    return "";
  }
  std::string id = m.GetReflection()->GetString(m, f);
  return AuditableRequestId(id) ? id : "";
}

void PrepareUpstreamContext(const grpc::GenericServerContext& caller, const Principal& principal,
                            const std::string& request_id, int default_deadline_ms,
                            grpc::ClientContext* up) {
  for (const auto& [key, value] : caller.client_metadata()) {
    std::string k(key.data(), key.size());
    std::string v(value.data(), value.size());
    // Binary metadata (-bin) carries any bytes; any other value must be
    // one gRPC accepts, or it is dropped.
    if (Forwardable(k) && (absl::EndsWith(k, "-bin") || SafeMetadataValue(v))) {
      up->AddMetadata(k, v);
    }
  }
  AddPrincipal(principal, up);
  up->AddMetadata(kRequestIdHeader, request_id);
  const auto deadline = caller.deadline();
  up->set_deadline(deadline == std::chrono::system_clock::time_point::max()
                       ? std::chrono::system_clock::now() +
                             std::chrono::milliseconds(default_deadline_ms)
                       : deadline);
}

}  // namespace chitieu::gateway

#pragma once

// Transport layer of the gateway: a generic gRPC proxy. Every method of the
// registry, quota and reporting is served under its own full name and
// forwarded to the service that owns it as bytes, without re-encoding
// (each request is also parsed once, read-only, to authorize it). Streams
// in both directions, deadlines (a default when the caller sets none) and
// cancellation carry through; the caller's own x-chitieu-* metadata is
// dropped so no caller can forge the identity the services trust.

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <map>
#include <memory>
#include <string>

#include "libs/common/policy.h"
#include "services/gateway/audit.h"
#include "services/gateway/auth.h"
#include "services/gateway/edge.h"
#include "services/gateway/rate_limit.h"

namespace chitieu::gateway {

// Header names the gateway sets towards the services.
inline constexpr char kRequestIdHeader[] = "x-request-id";

struct ProxyConfig {
  // Backend channel per service full name ("chitieu.registry.v1.RegistryService").
  std::map<std::string, std::shared_ptr<grpc::Channel>> backends;
  Authenticator* keys = nullptr;
  Policy* policy = nullptr;
  AuditLog* audit = nullptr;
  // Calls per principal and failed sign-ins per client address (edge.h).
  EdgeLimits limits;
  // Applied when the caller sets no deadline.
  int default_deadline_ms = 30000;
};

class Proxy : public grpc::CallbackGenericService {
 public:
  explicit Proxy(ProxyConfig config);
  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* ctx) override;

  const ProxyConfig& config() const { return config_; }
  grpc::GenericStub* StubFor(const std::string& method);

  // Whether calls to a method's backend may go ahead: false only when
  // gRPC's own view of the channel is TRANSIENT_FAILURE (the backend
  // refused or dropped the connection, or keepalive pings went unanswered),
  // and then calls fail at once with UNAVAILABLE instead of waiting out
  // their deadline. Health probes never decide this: one slow probe must
  // not turn into refused calls (the prober feeds grpc.health.v1 only).
  bool BackendReachable(const std::string& method) const;

  // "/chitieu.registry.v1.RegistryService/GetUnit" → the service's name.
  static std::string ServiceOf(const std::string& method);

 private:
  ProxyConfig config_;
  std::map<std::string, std::unique_ptr<grpc::GenericStub>> stubs_;
  std::map<std::string, std::shared_ptr<grpc::Channel>> channels_;
};

}  // namespace chitieu::gateway

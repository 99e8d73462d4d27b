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

#include "services/gateway/audit.h"
#include "services/gateway/auth.h"
#include "services/gateway/edge.h"
#include "libs/common/policy.h"
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

  // Whether a backend ("chitieu.quota.v1.QuotaService") answers its health
  // check, as the gateway's prober last saw. Calls to a backend known to be
  // down fail at once with UNAVAILABLE instead of waiting out their
  // deadline on a connection that may never answer (a cut link).
  void SetBackendUp(const std::string& service, bool up);
  bool BackendUp(const std::string& method) const;

  // "/chitieu.registry.v1.RegistryService/GetUnit" → the service's name.
  static std::string ServiceOf(const std::string& method);

 private:
  ProxyConfig config_;
  std::map<std::string, std::unique_ptr<grpc::GenericStub>> stubs_;
  // Written by the prober, read by every call; the map itself is fixed.
  std::map<std::string, std::unique_ptr<std::atomic<bool>>> up_;
};

}  // namespace chitieu::gateway

#pragma once

// Start-up shared by every service: listening port, grpc.health.v1,
// reflection, structured per-call logs, graceful shutdown on SIGTERM or
// SIGINT (health goes NOT_SERVING, in-flight calls drain, exit code 0) and
// reloading on SIGHUP.

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include <functional>
#include <string>
#include <vector>

namespace chitieu {

// Every call served on completion queues of the service's own, with
// threads of its own (the gateway's relay), health and reflection among
// them: the server then runs nothing of gRPC's callback or synchronous API,
// whose threads would read the same connections (docs/PERFORMANCE.md).
// RunServer registers it before the server is built, starts it once
// serving and stops it after the server has shut down.
class AsyncServing {
 public:
  virtual ~AsyncServing() = default;
  // Registers its generic service and adds its queues to `builder`.
  virtual void Register(grpc::ServerBuilder* builder) = 0;
  // The health it serves, which RunServer sets as it sets gRPC's own.
  virtual grpc::HealthCheckServiceInterface* health() = 0;
  // The server is serving: take calls.
  virtual void Start() = 0;
  // The server has shut down (every call ended or cancelled): let the
  // calls' last operations complete, shut the queues down, join.
  virtual void Stop() = 0;
};

// Readies `builder` for a server whose every call is `serving`'s: no health
// service or plugin (reflection) of gRPC's; `serving` registered.
void ServeOnlyAsync(grpc::ServerBuilder* builder, AsyncServing* serving);

struct ServerConfig {
  // Stamped on logs, e.g. "registry".
  std::string service_name;
  std::string listen_address;
  // If set, also listens without TLS on this Unix socket path.
  std::string local_socket;
  // Written with the bound port once serving, if not empty.
  std::string port_file;
  std::vector<grpc::Service*> services;
  // Full names of the services whose calls this process authorizes
  // ("chitieu.registry.v1.RegistryService"): each method must declare its
  // authorization (policy.h), or the server refuses to start.
  std::vector<std::string> authorized_services;
  // Serves every call (the gateway's proxy); `services` must then be
  // empty (AsyncServing).
  AsyncServing* generic_service = nullptr;
  // Called when shutdown begins, before draining: end long-lived streams.
  std::function<void()> on_shutdown;
  // Called once serving, with the health service, for services that report
  // the health of their parts under names of their own.
  std::function<void(grpc::HealthCheckServiceInterface*)> on_serving;
  // Called once serving, with the port it listens on.
  std::function<void(int port)> on_started;
  // Called on SIGHUP (reload configuration); SIGHUP is ignored if unset.
  std::function<void()> on_reload;
  // The public front (the gateway): what callers send in x-chitieu-*
  // metadata vouches for nothing there, so the call log names only the
  // principal the gateway itself authenticated LogPrincipal.
  bool edge = false;
  // How long in-flight calls may take to finish before they are cancelled.
  int drain_seconds = 10;
};

// Names the authenticated principal of a call in this server's call log
// (on the edge: the one the gateway authenticated). Carried to the log in
// a trailer the log removes before it leaves.
void LogPrincipal(grpc::ServerContextBase* context, const std::string& principal);

// Serves until SIGTERM or SIGINT. Returns the process exit code: 0 after a
// graceful shutdown, 1 if the server could not start.
int RunServer(const ServerConfig& config);

}  // namespace chitieu

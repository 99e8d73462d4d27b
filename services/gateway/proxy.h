#pragma once

// Transport layer of the gateway: a generic gRPC proxy. Every method of the
// registry, quota and reporting is served under its own full name and
// forwarded to the service that owns it as bytes, without re-encoding
// (each request is also parsed once, read-only, to authorize it). Streams
// in both directions, deadlines (a default when the caller sets none) and
// cancellation carry through; the caller's own x-chitieu-* metadata is
// dropped so no caller can forge the identity the services trust.
//
// Threads: gRPC's asynchronous API, one completion queue and one thread a
// core. A call's side facing the caller and its call to the service are on
// the same queue, so every step of a call runs on one thread, one after
// the other, without a lock or a hand-off between threads (the callback
// API this replaced woke another thread at each hop). What may wait on
// the network or a disk never runs there: authorization answers from what
// the directory remembers (RememberedOnly), and only when that misses is
// it asked again on a worker thread; the audit log is written there too.
// The worker puts its answer back on the call's queue (a grpc::Alarm).
//
// Calls that are no backend's — the gateway's own methods, grpc.health.v1
// and reflection — are answered on the same queue (local_call.h): the
// process runs no service of gRPC's callback or synchronous API, whose
// threads would poll the relay's connections too.

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "libs/common/policy.h"
#include "libs/common/server.h"
#include "libs/common/worker_pool.h"
#include "services/gateway/audit.h"
#include "services/gateway/auth.h"
#include "services/gateway/edge.h"
#include "services/gateway/local_call.h"
#include "services/gateway/rate_limit.h"

namespace chitieu::gateway {

// Header names the gateway sets towards the services.
inline constexpr char kRequestIdHeader[] = "x-request-id";

struct ProxyConfig {
  // Backend channels per service full name ("chitieu.registry.v1.RegistryService"),
  // each its own connection (PeerChannels): new calls take them in turn, so
  // a backend reads its calls on more than one connection (a connection is
  // read by one thread at a time) as it does when callers reach it directly.
  std::map<std::string, std::vector<std::shared_ptr<grpc::Channel>>> backends;
  Authenticator* keys = nullptr;
  Policy* policy = nullptr;
  AuditLog* audit = nullptr;
  // Calls per principal and failed sign-ins per client address (edge.h).
  EdgeLimits limits;
  // Methods the gateway answers itself, by full name ("/pkg.Service/Method").
  std::map<std::string, LocalMethod> local_methods;
  // Its grpc.health.v1 state (served among `local_methods`).
  grpc::HealthCheckServiceInterface* health = nullptr;
  // Applied when the caller sets no deadline.
  int default_deadline_ms = 30000;
  // Completion queues, each with its thread. One by default: on two
  // cores two queues were slower (the threads poll every connection and
  // hand calls to each other; docs/PERFORMANCE.md).
  int relay_threads = 1;
  // Threads for the look-ups a relay thread hands off, and how many
  // look-ups may wait for one (more: refused UNAVAILABLE at once).
  int lookup_threads = 4;
  size_t max_waiting_lookups = 1024;
};

class Proxy : public AsyncServing {
 public:
  explicit Proxy(ProxyConfig config);
  ~Proxy() override { Stop(); }
  Proxy(const Proxy&) = delete;
  Proxy& operator=(const Proxy&) = delete;

  // AsyncServing: the generic service and the relay queues; the relay
  // threads; once the server has shut down, the calls' ends and the joins.
  void Register(grpc::ServerBuilder* builder) override;
  grpc::HealthCheckServiceInterface* health() override { return config_.health; }
  void Start() override;
  void Stop() override;

  const ProxyConfig& config() const { return config_; }

  // Where a new call to a backend's method goes: its connections are taken
  // in turn, a connected one first; failing that, one still connecting or
  // idle (asked to connect), whose call waits for it. With every one in
  // TRANSIENT_FAILURE in gRPC's own view (the backend refused or dropped
  // the connection, or keepalive pings went unanswered), `reachable` is
  // false and the call fails at once with UNAVAILABLE instead of waiting
  // out its deadline. Health probes never decide this: one slow probe must
  // not turn into refused calls (the prober feeds grpc.health.v1 only).
  struct Upstream {
    grpc::GenericStub* stub = nullptr;  // Null: no backend serves the method.
    bool reachable = false;
  };
  Upstream UpstreamFor(const std::string& method);
  // The gateway's own answer to `method`, or null.
  const LocalMethod* LocalMethodOf(const std::string& method) const;

  // "/chitieu.registry.v1.RegistryService/GetUnit" → the service's name.
  static std::string ServiceOf(const std::string& method);

  // For the calls (proxy.cc).
  grpc::AsyncGenericService* service() { return &service_; }
  WorkerPool* lookups() { return &lookups_; }
  // The audit log's writes: a thread of their own, so look-ups waiting on
  // a slow registry never hold a mutation's answer.
  WorkerPool* audits() { return &audits_; }
  // The gateway's own answers that wait (GetScorecard, ListAuditEntries):
  // threads of their own, so they never hold an authorization look-up.
  WorkerPool* own_answers() { return &own_answers_; }
  void CallBegan();
  void CallEnded();

 private:
  struct Backend {
    std::vector<grpc::Channel*> channels;
    std::vector<std::unique_ptr<grpc::GenericStub>> stubs;  // One a channel, in its order.
    std::atomic<uint32_t> next{0};
  };

  ProxyConfig config_;
  std::map<std::string, std::unique_ptr<Backend>> backends_;
  grpc::AsyncGenericService service_;
  std::vector<std::unique_ptr<grpc::ServerCompletionQueue>> queues_;
  std::vector<std::thread> threads_;
  WorkerPool lookups_;
  WorkerPool audits_;
  WorkerPool own_answers_;
  absl::Mutex mu_;
  int live_calls_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace chitieu::gateway

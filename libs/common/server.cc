// Running a service: listeners, health, reflection, call logs, metrics,
// signals (server.h).

#include "libs/common/server.h"

#include <grpcpp/ext/health_check_service_server_builder_option.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/support/server_interceptor.h>
#include <httplib.h>
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <thread>

#include "absl/cleanup/cleanup.h"
#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "libs/common/channel.h"
#include "libs/common/files.h"
#include "libs/common/flags.h"
#include "libs/common/handler.h"
#include "libs/common/idempotency.h"
#include "libs/common/log.h"
#include "libs/common/metrics.h"
#include "libs/common/policy.h"
#include "libs/common/principal.h"
#include "libs/common/tls.h"
#include "libs/common/worker_pool.h"

namespace chitieu {
namespace {

using grpc::experimental::InterceptionHookPoints;

constexpr char kLoggedPrincipalTrailer[] = "x-chitieu-logged-principal";
// Calls that may wait for a handler thread, per thread; beyond, UNAVAILABLE.
constexpr int kQueuedPerHandler = 16;

// Logs one JSON line per call: method, code, duration, request id and the
// principal: the one a trusted caller vouched for, or on the edge the one
// the gateway authenticated (never what a caller merely sent). Health and
// reflection calls are not logged.
class CallLogInterceptor : public grpc::experimental::Interceptor {
 public:
  CallLogInterceptor(grpc::experimental::ServerRpcInfo* info, bool edge)
      : info_(info), edge_(edge), method_(info->method()), start_(absl::Now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      const auto* md = methods->GetRecvInitialMetadata();
      if (md != nullptr) {
        const std::string id = MetadataValue(*md, "x-request-id");
        if (AuditableRequestId(id)) {
          request_id_ = id;
        }
        if (!edge_ && info_->server_context() != nullptr &&
            CheckCaller(*info_->server_context()).ok()) {
          principal_ = DecodeMetadataText(MetadataValue(*md, kPrincipalMetadata));
        }
      }
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      if (auto* trailers = methods->GetSendTrailingMetadata(); trailers != nullptr) {
        auto it = trailers->find(kLoggedPrincipalTrailer);
        if (it != trailers->end()) {
          principal_ = DecodeMetadataText(it->second);
          trailers->erase(it);
        }
      }
      grpc::Status status = methods->GetSendStatus();
      nlohmann::json fields = {
          {"method", method_},
          {"code", static_cast<int>(status.error_code())},
          {"duration_us", absl::ToInt64Microseconds(absl::Now() - start_)},
      };
      if (!request_id_.empty()) {
        fields["request_id"] = request_id_;
      }
      if (!principal_.empty()) {
        fields["principal"] = principal_;
      }
      if (!status.ok()) {
        fields["error"] = status.error_message();
      }
      LogInfo("call", std::move(fields));
      Metrics::Global().RecordCall(method_, static_cast<int>(status.error_code()),
                                   absl::ToDoubleSeconds(absl::Now() - start_));
    }
    methods->Proceed();
  }

 private:
  grpc::experimental::ServerRpcInfo* info_;
  const bool edge_;
  std::string method_;
  absl::Time start_;
  std::string request_id_;
  std::string principal_;
};

class CallLogFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit CallLogFactory(bool edge) : edge_(edge) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    absl::string_view method = info->method();
    if (absl::StartsWith(method, "/grpc.health.") ||
        absl::StartsWith(method, "/grpc.reflection.")) {
      return nullptr;
    }
    return new CallLogInterceptor(info, edge_);
  }

 private:
  const bool edge_;
};

}  // namespace

void LogPrincipal(grpc::ServerContextBase* context, const std::string& principal) {
  context->AddTrailingMetadata(kLoggedPrincipalTrailer, EncodeMetadataText(principal));
}

namespace {

// Leaves a builder without the plugins registered process-wide (reflection):
// a server with an AsyncServing serves its own.
class NoPlugins : public grpc::ServerBuilderOption {
 public:
  void UpdateArguments(grpc::ChannelArguments*) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>* plugins) override {
    plugins->clear();
  }
};

}  // namespace

void ServeOnlyAsync(grpc::ServerBuilder* builder, AsyncServing* serving) {
  builder->SetOption(std::make_unique<grpc::HealthCheckServiceServerBuilderOption>(nullptr));
  builder->SetOption(std::make_unique<NoPlugins>());
  serving->Register(builder);
}

int RunServer(const ServerConfig& config) {
  for (const std::string& name : config.authorized_services) {
    const auto* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(name);
    absl::Status declared = service == nullptr
                                ? absl::NotFoundError(absl::StrCat("no service ", name))
                                : CheckDeclarations(service);
    if (!declared.ok()) {
      LogError("a method's authorization is not declared", {{"error", declared.ToString()}});
      return 1;
    }
  }
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  auto credentials = ListenerCredentials();
  if (!credentials.ok()) {
    LogError("cannot set up TLS", {{"error", credentials.status().ToString()}});
    return 1;
  }
  grpc::ServerBuilder builder;
  int bound_port = 0;
  builder.AddListeningPort(config.listen_address, *credentials, &bound_port);
  if (!config.local_socket.empty()) {
    // A plaintext Unix socket for this process's own helpers (the
    // gateway's HTTP bridge): in a folder only the service's user reaches.
    std::remove(config.local_socket.c_str());
    builder.AddListeningPort("unix:" + config.local_socket, grpc::InsecureServerCredentials());
  }
  if (config.generic_service != nullptr) {
    // Every call is the AsyncServing's, health and reflection among them:
    // no service of gRPC's callback or synchronous API, whose threads
    // would read the connections too and hand each call over to the
    // AsyncServing's thread, a thread hop per step (docs/PERFORMANCE.md).
    if (!config.services.empty()) {
      LogError("a server with an AsyncServing serves no other service");
      return 1;
    }
    ServeOnlyAsync(&builder, config.generic_service);
  }
  for (grpc::Service* service : config.services) {
    builder.RegisterService(service);
  }
  // The services' handlers run on threads of their own, not on gRPC's few
  // callback threads (handler.h); set before the first call, stopped after
  // the last (the server's shutdown waits for every call to finish).
  std::unique_ptr<WorkerPool> handlers;
  // Whatever way this function returns, no handler is handed to a pool
  // that is gone.
  auto unset_handlers = absl::MakeCleanup([] { SetHandlerPool(nullptr); });
  if (!config.services.empty()) {
    int threads = absl::GetFlag(FLAGS_handler_threads);
    if (threads <= 0) {
      threads = std::max(16, 8 * static_cast<int>(std::thread::hardware_concurrency()));
    }
    handlers = std::make_unique<WorkerPool>(threads, kQueuedPerHandler * threads);
    SetHandlerPool(handlers.get());
  }
  builder.SetMaxReceiveMessageSize(absl::GetFlag(FLAGS_max_message_bytes));
  // gRPC sets SO_REUSEPORT by default: two servers (a second copy started
  // by mistake, or two binding port 0 at once) could then share a port and
  // split its connections between them. One port, one server.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // Peers ping idle connections (PeerChannel's keepalive) to find a cut
  // link in seconds; let them, rather than answer GOAWAY "too many pings".
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                             kPeerKeepaliveMs / 2);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> factories;
  factories.push_back(std::make_unique<CallLogFactory>(config.edge));
  builder.experimental().SetInterceptorCreators(std::move(factories));

  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || bound_port == 0) {
    LogError("cannot listen", {{"address", config.listen_address}});
    return 1;
  }
  if (config.generic_service != nullptr) {
    config.generic_service->Start();
  }
  auto shutdown = [&](std::chrono::system_clock::time_point deadline) {
    server->Shutdown(deadline);
  };
  auto* health = config.generic_service != nullptr ? config.generic_service->health()
                                                   : server->GetHealthCheckService();
  health->SetServingStatus(true);
  if (config.on_serving) {
    config.on_serving(health);
  }
  if (config.on_started) {
    config.on_started(bound_port);
  }

  if (!config.port_file.empty()) {
    WritePortFile(config.port_file, bound_port);
  }
  LogInfo("serving", {{"address", config.listen_address}, {"port", bound_port}});

  // Prometheus metrics over HTTP, when asked for.
  httplib::Server metrics_http;
  std::thread metrics_thread;
  if (const std::string listen = absl::GetFlag(FLAGS_metrics_listen); !listen.empty()) {
    metrics_http.Get("/metrics", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(Metrics::Global().Render(), "text/plain; version=0.0.4");
    });
    const size_t colon = listen.rfind(':');
    const std::string host = listen.substr(0, colon);
    int port = std::atoi(listen.substr(colon + 1).c_str());
    if (port == 0) {
      port = metrics_http.bind_to_any_port(host);
    } else if (!metrics_http.bind_to_port(host, port)) {
      port = -1;
    }
    if (port <= 0) {
      LogError("cannot listen for metrics", {{"address", listen}});
      shutdown(std::chrono::system_clock::now());
      if (config.generic_service != nullptr) {
        config.generic_service->Stop();
      }
      return 1;
    }
    metrics_thread = std::thread([&metrics_http] { metrics_http.listen_after_bind(); });
    if (const std::string file = absl::GetFlag(FLAGS_metrics_port_file); !file.empty()) {
      WritePortFile(file, port);
    }
    LogInfo("serving metrics", {{"address", listen}, {"port", port}});
  }

  std::thread signals([&] {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    int sig = 0;
    while (sigwait(&set, &sig) == 0 && sig == SIGHUP) {
      LogInfo("reloading", {{"signal", sig}});
      if (config.on_reload) {
        config.on_reload();
      }
    }
    LogInfo("shutting down", {{"signal", sig}});
    // Every service NOT_SERVING, and no later change (a prober's) undoes it.
    health->Shutdown();
    if (config.on_shutdown) {
      config.on_shutdown();
    }
    shutdown(std::chrono::system_clock::now() + std::chrono::seconds(config.drain_seconds));
  });
  server->Wait();
  signals.join();
  if (handlers != nullptr) {
    std::move(unset_handlers).Invoke();
    handlers->Stop();
  }
  if (config.generic_service != nullptr) {
    config.generic_service->Stop();
  }
  metrics_http.stop();
  if (metrics_thread.joinable()) {
    metrics_thread.join();
  }
  LogInfo("stopped");
  return 0;
}

}  // namespace chitieu

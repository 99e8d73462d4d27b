// chitieu-gateway: wiring only. Authentication in auth.cc, authorization in
// policy.cc, the generic proxy in proxy.cc and relay_call.cc, what it
// answers itself in local_call.cc, the audit log in audit.cc.

#include <csignal>
#include <map>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "chitieu/quota/v1/quota.grpc.pb.h"
#include "chitieu/registry/v1/registry.grpc.pb.h"
#include "chitieu/reporting/v1/reporting.grpc.pb.h"
#include "libs/common/backend_prober.h"
#include "libs/common/channel.h"
#include "libs/common/files.h"
#include "libs/common/flags.h"
#include "libs/common/log.h"
#include "libs/common/policy.h"
#include "libs/common/remote_directory.h"
#include "libs/common/server.h"
#include "libs/common/service_main.h"
#include "services/gateway/audit.h"
#include "services/gateway/auth.h"
#include "services/gateway/gateway_service.h"
#include "services/gateway/health_state.h"
#include "services/gateway/http_gateway.h"
#include "services/gateway/proxy.h"
#include "services/gateway/reflection.h"
#include "services/gateway/transcoder.h"

ABSL_FLAG(std::string, api_keys, "", "File of API key hashes, principals, roles and scopes");
ABSL_FLAG(std::string, jwks_file, "",
          "JWKS file of the identity provider's signing keys (empty: no JWTs accepted)");
ABSL_FLAG(std::string, jwt_issuer, "", "The iss every JWT must carry");
ABSL_FLAG(std::string, jwt_audience, "chitieu", "The aud every JWT must carry");
ABSL_FLAG(int, jwt_max_lifetime_seconds, 86400,
          "The longest a JWT may live, exp - iat (longer: refused)");
ABSL_FLAG(int, default_deadline_ms, 30000, "Deadline for calls that set none");
ABSL_FLAG(std::string, http_listen, "127.0.0.1:8080",
          "host:port of the HTTP/JSON listener (port 0 picks a free port)");
ABSL_FLAG(std::string, http_port_file, "", "If set, the bound HTTP port is written here");
ABSL_FLAG(int, max_body_bytes, 8 << 20,
          "Largest HTTP request body, chunked or not (larger: 413, read no further)");
ABSL_FLAG(int, http_max_header_bytes, 32 << 10,
          "Largest HTTP request line and headers together (larger: 431)");
ABSL_FLAG(int, http_max_headers, 100, "Most headers an HTTP request may carry (more: 431)");
ABSL_FLAG(double, http_header_seconds, 10,
          "Time an HTTP request's line and headers have to arrive, from their first byte (408)");
ABSL_FLAG(double, http_body_seconds, 60, "Time an HTTP request's body has to arrive (408)");
ABSL_FLAG(double, http_idle_seconds, 60, "How long an idle keep-alive HTTP connection stays open");
ABSL_FLAG(double, http_write_seconds, 30,
          "Time each write of an HTTP answer may take (a client that stops reading is dropped)");
ABSL_FLAG(int64_t, http_max_body_bytes_in_flight, 256 << 20,
          "HTTP request bodies being read at once, all connections together, in bytes "
          "(more: 503 with Retry-After)");
ABSL_FLAG(int, http_max_connections, 1024,
          "Most HTTP connections open at once (0: as many as the open files limit allows)");
ABSL_FLAG(int, http_connections_per_address, 64,
          "Most HTTP connections open at once from one client address (0: no limit; behind a "
          "reverse proxy every client has the proxy's address)");
ABSL_FLAG(double, rate_limit_per_second, 200,
          "Calls a second each principal may make on average (0: no limit)");
ABSL_FLAG(double, rate_limit_burst, 400, "Calls a principal may make at once");
ABSL_FLAG(double, failed_sign_ins_per_minute, 60,
          "Failed authentications a client address may make a minute on average (0: no limit)");
ABSL_FLAG(double, failed_sign_ins_burst, 100,
          "Failed authentications a client address may make at once");
ABSL_FLAG(double, authz_cache_seconds, 5,
          "How long the gateway's authorization remembers an enterprise's seat and a body's "
          "unit (0: ask the registry every time; each service re-checks with its own data)");
ABSL_FLAG(int, relay_threads, 1,
          "Threads relaying gRPC calls, each with its completion queue (more only with more "
          "cores than two: docs/PERFORMANCE.md)");
ABSL_FLAG(int, upstream_connections, 4,
          "Connections (1 to 64) to each service the relay spreads its calls over (a service "
          "reads one connection on one thread at a time: docs/PERFORMANCE.md)");
ABSL_FLAG(int, lookup_threads, 4,
          "Threads for the authorization look-ups the cache cannot answer, which a relay thread "
          "never waits on (audit log writes have a thread of their own)");
ABSL_FLAG(std::string, cors_allowed_origins, "",
          "Origins whose browser pages may call the HTTP/JSON API, comma-separated "
          "(\"https://portal.example.gov.vn\"); none by default");
ABSL_FLAG(std::string, dashboard_dir, "",
          "Folder of the built web dashboard (dashboard/dist) to serve at / on the HTTP port; "
          "empty: no dashboard");

int main(int argc, char** argv) {
  chitieu::InitService(argc, argv,
                       "chitieu-gateway: the one endpoint: authentication, unit-scoped "
                       "authorization, forwarding, audit",
                       chitieu::kDefaultGatewayAddr);
  chitieu::InitLogging("gateway");
  chitieu::gateway::AuthConfig auth_config;
  auth_config.api_keys_file = absl::GetFlag(FLAGS_api_keys);
  auth_config.jwks_file = absl::GetFlag(FLAGS_jwks_file);
  auth_config.jwt.issuer = absl::GetFlag(FLAGS_jwt_issuer);
  auth_config.jwt.audience = absl::GetFlag(FLAGS_jwt_audience);
  auth_config.jwt.max_lifetime = absl::Seconds(absl::GetFlag(FLAGS_jwt_max_lifetime_seconds));
  chitieu::gateway::Authenticator keys(auth_config);
  if (auto s = keys.Reload(); !s.ok()) {
    chitieu::LogError("cannot load credentials", {{"error", s.ToString()}});
    return 1;
  }
  // The audit log: PostgreSQL when --database_url names one (shared by
  // every gateway replica), else SQLite in the data folder.
  auto audit = chitieu::OpenServiceStore("audit.db", chitieu::gateway::AuditLog::Open);
  if (audit == nullptr) {
    return 1;
  }
  const int connections = absl::GetFlag(FLAGS_upstream_connections);
  if (connections < 1 || connections > 64) {
    chitieu::LogError("--upstream_connections takes 1 to 64", {});
    return 1;
  }
  auto registry_relay = chitieu::PeerChannels(absl::GetFlag(FLAGS_registry_addr), connections);
  auto quota_relay = chitieu::PeerChannels(absl::GetFlag(FLAGS_quota_addr), connections);
  auto reporting_relay = chitieu::PeerChannels(absl::GetFlag(FLAGS_reporting_addr), connections);
  // The first connection also carries the gateway's own calls (look-ups,
  // probes, the scorecard).
  auto registry = registry_relay.front();
  auto quota = quota_relay.front();
  auto reporting = reporting_relay.front();
  // Seats and bodies' units remembered briefly (the services re-check with
  // their own current data).
  chitieu::RegistryClient registry_client(registry);
  chitieu::QuotaClient quota_client(quota);
  chitieu::RemoteDirectory directory(&registry_client, &quota_client,
                                     absl::Seconds(absl::GetFlag(FLAGS_authz_cache_seconds)));
  chitieu::Policy policy(&directory, /*whole_system_fast_path=*/true);
  chitieu::gateway::ProxyConfig proxy_config;
  proxy_config.backends = {{"chitieu.registry.v1.RegistryService", registry_relay},
                           {"chitieu.quota.v1.QuotaService", quota_relay},
                           {"chitieu.reporting.v1.ReportingService", reporting_relay}};
  proxy_config.keys = &keys;
  proxy_config.policy = &policy;
  proxy_config.audit = audit.get();
  proxy_config.default_deadline_ms = absl::GetFlag(FLAGS_default_deadline_ms);
  proxy_config.relay_threads = absl::GetFlag(FLAGS_relay_threads);
  proxy_config.lookup_threads = absl::GetFlag(FLAGS_lookup_threads);
  chitieu::gateway::RateLimiter limiter(absl::GetFlag(FLAGS_rate_limit_per_second),
                                        absl::GetFlag(FLAGS_rate_limit_burst));
  // Failed sign-ins per client address: a small budget that refills slowly,
  // so keys cannot be guessed at speed.
  chitieu::gateway::RateLimiter failed_sign_ins(
      absl::GetFlag(FLAGS_failed_sign_ins_per_minute) / 60,
      absl::GetFlag(FLAGS_failed_sign_ins_burst));
  proxy_config.limits = {&limiter, &failed_sign_ins};
  // What the gateway answers itself, on its relay: its own methods,
  // grpc.health.v1 (the backends' health under their names) and
  // reflection, which lists the proxied services beside its own (not
  // grpc.health.v1: its descriptor is not linked in, so it could not be
  // described).
  chitieu::gateway::GatewayService gateway(&keys, &policy, audit.get(), reporting,
                                           proxy_config.limits);
  chitieu::gateway::HealthState health;
  chitieu::gateway::Reflection reflection(
      {"chitieu.registry.v1.RegistryService", "chitieu.quota.v1.QuotaService",
       "chitieu.reporting.v1.ReportingService", "chitieu.gateway.v1.GatewayService",
       "grpc.reflection.v1alpha.ServerReflection"});
  proxy_config.local_methods = gateway.Methods();
  proxy_config.local_methods.merge(health.Methods());
  proxy_config.local_methods.merge(reflection.Methods());
  proxy_config.health = &health;
  chitieu::gateway::Proxy proxy(proxy_config);

  auto transcoder = chitieu::gateway::Transcoder::BuildPublic();
  if (!transcoder.ok()) {
    chitieu::LogError("cannot read the HTTP routes", {{"error", transcoder.status().ToString()}});
    return 1;
  }
  auto cors = chitieu::gateway::CorsPolicy::Parse(absl::GetFlag(FLAGS_cors_allowed_origins));
  if (!cors.ok()) {
    chitieu::LogError("bad --cors_allowed_origins", {{"error", cors.status().ToString()}});
    return 1;
  }
  std::unique_ptr<chitieu::gateway::HttpGateway> http;
  bool http_ok = true;

  // Health that reflects the backends: each proxied service's name answers
  // SERVING while that backend does. Only health: calls are refused early
  // on gRPC's own view of the channel (Proxy).
  std::map<std::string, std::shared_ptr<grpc::Channel>> probed;
  for (const auto& [service, channels] : proxy_config.backends) {
    probed[service] = channels.front();
  }
  chitieu::BackendProber prober(probed);
  chitieu::ServerConfig config;
  config.on_serving = [&](grpc::HealthCheckServiceInterface* health) { prober.Start(health); };
  // HTTP calls go through the gateway's own gRPC front, the path every
  // gRPC caller takes (the relay, proxy.h), over a plaintext Unix socket in
  // the data folder, so it works whether or not the public listener uses
  // TLS.
  const std::string bridge_socket = chitieu::DataFilePath("gateway.sock");
  if (bridge_socket.empty()) {
    return 1;
  }
  config.local_socket = bridge_socket;
  config.on_started = [&](int) {
    chitieu::gateway::HttpFrontOptions front;
    front.max_body_bytes = absl::GetFlag(FLAGS_max_body_bytes);
    front.max_header_bytes = absl::GetFlag(FLAGS_http_max_header_bytes);
    front.max_headers = absl::GetFlag(FLAGS_http_max_headers);
    front.header_deadline = absl::Seconds(absl::GetFlag(FLAGS_http_header_seconds));
    front.body_deadline = absl::Seconds(absl::GetFlag(FLAGS_http_body_seconds));
    front.idle_timeout = absl::Seconds(absl::GetFlag(FLAGS_http_idle_seconds));
    front.write_deadline = absl::Seconds(absl::GetFlag(FLAGS_http_write_seconds));
    front.max_body_bytes_in_flight = absl::GetFlag(FLAGS_http_max_body_bytes_in_flight);
    front.max_connections = absl::GetFlag(FLAGS_http_max_connections);
    front.max_connections_per_address = absl::GetFlag(FLAGS_http_connections_per_address);
    front.tls_cert = absl::GetFlag(FLAGS_tls_cert);
    front.tls_key = absl::GetFlag(FLAGS_tls_key);
    http = std::make_unique<chitieu::gateway::HttpGateway>(
        &*transcoder,
        grpc::CreateChannel("unix:" + bridge_socket, grpc::InsecureChannelCredentials()), front,
        absl::GetFlag(FLAGS_dashboard_dir), *cors);
    const int port = http->Start(absl::GetFlag(FLAGS_http_listen));
    if (port < 0) {
      chitieu::LogError("cannot listen for HTTP (address in use, or TLS files unusable)",
                        {{"address", absl::GetFlag(FLAGS_http_listen)}});
      http_ok = false;
      std::raise(SIGTERM);
      return;
    }
    chitieu::LogInfo("serving HTTP/JSON",
                     {{"address", absl::GetFlag(FLAGS_http_listen)}, {"port", port}});
    if (const std::string file = absl::GetFlag(FLAGS_http_port_file); !file.empty()) {
      chitieu::WritePortFile(file, port);
    }
  };
  // SIGHUP: read the API key and JWKS files again; a broken file leaves
  // the credentials in force.
  config.on_reload = [&] {
    if (auto s = keys.Reload(); !s.ok()) {
      chitieu::LogError("credentials not reloaded", {{"error", s.ToString()}});
    } else {
      chitieu::LogInfo("credentials reloaded");
    }
  };
  config.on_shutdown = [&] {
    if (http) {
      http->Stop();
    }
    prober.Stop();
  };
  config.service_name = "gateway";
  config.edge = true;
  config.listen_address = absl::GetFlag(FLAGS_listen);
  config.port_file = absl::GetFlag(FLAGS_port_file);
  config.authorized_services = chitieu::gateway::PublicServices();
  config.generic_service = &proxy;
  const int rc = chitieu::RunServer(config);
  return http_ok ? rc : 1;
}

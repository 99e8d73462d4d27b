// chitieu-gateway: wiring only. Authentication in auth.cc, authorization in
// policy.cc, the generic proxy in proxy.cc, the audit log in audit.cc.

#include "absl/flags/flag.h"
#include "libs/common/channel.h"
#include "libs/common/flags.h"
#include "libs/common/log.h"
#include "libs/common/server.h"
#include "services/gateway/audit.h"
#include "services/gateway/auth.h"
#include "services/gateway/backend_directory.h"
#include "services/gateway/gateway_service.h"
#include "services/gateway/policy.h"
#include "services/gateway/proxy.h"

ABSL_FLAG(std::string, api_keys, "", "File of API key hashes, principals, roles and scopes");
ABSL_FLAG(int, default_deadline_ms, 30000, "Deadline for calls that set none");

int main(int argc, char** argv) {
  chitieu::InitService(argc, argv,
                       "chitieu-gateway: the one endpoint: authentication, unit-scoped "
                       "authorization, forwarding, audit",
                       chitieu::kDefaultGatewayAddr);
  chitieu::InitLogging("gateway");
  chitieu::gateway::ApiKeys keys;
  if (auto s = keys.Load(absl::GetFlag(FLAGS_api_keys)); !s.ok()) {
    chitieu::LogError("cannot load API keys", {{"error", s.ToString()}});
    return 1;
  }
  const std::string audit_path = chitieu::DataFilePath("audit.db");
  if (audit_path.empty()) return 1;
  auto audit = chitieu::gateway::AuditLog::Open(audit_path);
  if (!audit.ok()) {
    chitieu::LogError("cannot open the audit log", {{"error", audit.status().ToString()}});
    return 1;
  }
  auto registry = chitieu::PeerChannel(absl::GetFlag(FLAGS_registry_addr));
  auto quota = chitieu::PeerChannel(absl::GetFlag(FLAGS_quota_addr));
  auto reporting = chitieu::PeerChannel(absl::GetFlag(FLAGS_reporting_addr));
  chitieu::gateway::BackendDirectory directory(registry, quota);
  chitieu::gateway::Policy policy(&directory);
  chitieu::gateway::ProxyConfig proxy_config;
  proxy_config.backends = {{"chitieu.registry.v1.RegistryService", registry},
                           {"chitieu.quota.v1.QuotaService", quota},
                           {"chitieu.reporting.v1.ReportingService", reporting}};
  proxy_config.keys = &keys;
  proxy_config.policy = &policy;
  proxy_config.audit = audit->get();
  proxy_config.default_deadline_ms = absl::GetFlag(FLAGS_default_deadline_ms);
  chitieu::gateway::Proxy proxy(proxy_config);
  chitieu::gateway::GatewayService gateway(&keys, &policy, audit->get(), reporting);

  chitieu::ServerConfig config;
  config.service_name = "gateway";
  config.listen_address = absl::GetFlag(FLAGS_listen);
  config.port_file = absl::GetFlag(FLAGS_port_file);
  config.services = {&gateway};
  config.generic_service = &proxy;
  return chitieu::RunServer(config);
}

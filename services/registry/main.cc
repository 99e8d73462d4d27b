// chitieu-registry: wiring only. The rules live in registry.cc, the SQL in
// registry_store_sql.cc, the gRPC glue in registry_service.cc.

#include "absl/flags/flag.h"
#include "libs/common/dates.h"
#include "libs/common/flags.h"
#include "libs/common/handler.h"
#include "libs/common/log.h"
#include "libs/common/metrics.h"
#include "libs/common/principal.h"
#include "libs/common/server.h"
#include "services/registry/registry.h"
#include "services/registry/registry_service.h"
#include "services/registry/registry_store_sql.h"

int main(int argc, char** argv) {
  chitieu::InitService(argc, argv,
                       "chitieu-registry: administrative units, supervising bodies, enterprises "
                       "and the organizations founded in them",
                       chitieu::kDefaultRegistryAddr);
  chitieu::InitLogging("registry");

  // PostgreSQL when --database_url names one (replicas may share it), else
  // SQLite in the data folder.
  const std::string location = chitieu::StoreLocation("registry.db");
  if (location.empty()) return 1;
  chitieu::ChangeNotifier notifier;
  auto store = chitieu::registry::SqlRegistryStore::Open(location, &notifier);
  if (!store.ok()) {
    chitieu::LogError("cannot open store", {{"error", store.status().ToString()}});
    return 1;
  }
  chitieu::registry::Registry registry(store->get(), chitieu::TodayInVietnam);
  chitieu::registry::RegistryService service(&registry, store->get(), &notifier);
  chitieu::registry::RegistryDirectory directory(&registry);
  chitieu::Policy policy(&directory);
  chitieu::SetCallPolicy(&policy);

  chitieu::ServerConfig config;
  config.service_name = "registry";
  config.listen_address = absl::GetFlag(FLAGS_listen);
  config.port_file = absl::GetFlag(FLAGS_port_file);
  config.services = {&service};
  config.authorized_services = {"chitieu.registry.v1.RegistryService"};
  auto* feed_store = store->get();
  chitieu::ExportFeedHead([feed_store] { return feed_store->LastSequence(); });
  config.on_shutdown = [&notifier] { notifier.Shutdown(); };
  return chitieu::RunServer(config);
}

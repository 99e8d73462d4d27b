// chitieu-registry: wiring only. The rules live in registry_<resource>.cc,
// the SQL in registry_store_sql.cc, the gRPC handlers in registry_service.cc.

#include "absl/flags/flag.h"
#include "libs/common/dates.h"
#include "libs/common/flags.h"
#include "libs/common/handler.h"
#include "libs/common/log.h"
#include "libs/common/metrics.h"
#include "libs/common/principal.h"
#include "libs/common/server.h"
#include "libs/common/service_main.h"
#include "services/registry/registry.h"
#include "services/registry/registry_service.h"
#include "services/registry/registry_store_sql.h"

int main(int argc, char** argv) {
  chitieu::InitService(argc, argv,
                       "chitieu-registry: administrative units, supervising bodies, enterprises "
                       "and the organizations founded in them",
                       chitieu::kDefaultRegistryAddr);
  chitieu::InitLogging("registry");

  chitieu::ChangeNotifier notifier;
  auto store = chitieu::OpenServiceStore("registry.db", [&](const std::string& location) {
    return chitieu::registry::SqlRegistryStore::Open(location, &notifier);
  });
  if (store == nullptr) {
    return 1;
  }
  chitieu::registry::Registry registry(store.get(), chitieu::TodayInVietnam);
  chitieu::registry::RegistryService service(&registry, store.get(), &notifier);
  chitieu::registry::RegistryDirectory directory(&registry);
  chitieu::Policy policy(&directory);
  chitieu::SetCallPolicy(&policy);

  chitieu::ServerConfig config = chitieu::ServiceServerConfig(
      "registry", &service, chitieu::registry::RegistryService::kFullName);
  auto* feed_store = store.get();
  chitieu::ExportFeedHead([feed_store] { return feed_store->LastSequence(); });
  config.on_shutdown = [&notifier] { notifier.Shutdown(); };
  return chitieu::RunServer(config);
}

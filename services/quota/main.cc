// chitieu-quota: wiring only. Rules in quota.cc, SQL in
// quota_store_sql.cc, gRPC glue in quota_service.cc, the registry client
// in grpc_registry_lookup.cc.

#include "absl/flags/flag.h"
#include "libs/common/channel.h"
#include "libs/common/dates.h"
#include "libs/common/flags.h"
#include "libs/common/handler.h"
#include "libs/common/log.h"
#include "libs/common/metrics.h"
#include "libs/common/principal.h"
#include "libs/common/remote_directory.h"
#include "libs/common/server.h"
#include "libs/common/service_main.h"
#include "services/quota/grpc_registry_lookup.h"
#include "services/quota/quota.h"
#include "services/quota/quota_service.h"
#include "services/quota/quota_store_sql.h"

int main(int argc, char** argv) {
  chitieu::InitService(argc, argv,
                       "chitieu-quota: yearly targets, their sub-allocation and revisions, "
                       "founding thresholds and plans",
                       chitieu::kDefaultQuotaAddr);
  chitieu::InitLogging("quota");

  chitieu::ChangeNotifier notifier;
  auto store = chitieu::OpenServiceStore("quota.db", [&](const std::string& location) {
    return chitieu::quota::SqlQuotaStore::Open(location, &notifier);
  });
  if (store == nullptr) {
    return 1;
  }
  // One client of the registry, read with the domain's rules by the
  // domain and with the policy's by the policy.
  chitieu::RegistryClient registry(chitieu::PeerChannel(absl::GetFlag(FLAGS_registry_addr)));
  chitieu::quota::GrpcRegistryLookup lookup(&registry);
  chitieu::quota::Quota quota(store.get(), &lookup, chitieu::TodayInVietnam);
  chitieu::quota::QuotaService service(&quota, store.get(), &notifier);
  chitieu::RemoteDirectory registry_directory(&registry, /*quota=*/nullptr);
  chitieu::quota::QuotaDirectory directory(&registry_directory, &quota);
  chitieu::Policy policy(&directory);
  chitieu::SetCallPolicy(&policy);

  chitieu::ServerConfig config =
      chitieu::ServiceServerConfig("quota", &service, chitieu::quota::QuotaService::kFullName);
  auto* feed_store = store.get();
  chitieu::ExportFeedHead([feed_store] { return feed_store->LastSequence(); });
  config.on_shutdown = [&notifier] { notifier.Shutdown(); };
  return chitieu::RunServer(config);
}

// chitieu-reporting: wiring only. The read model (reporting_store_sql.cc)
// is fed by two FeedFollowers; reports are computed in reporting.cc.

#include "absl/flags/flag.h"
#include "chitieu/quota/v1/quota.grpc.pb.h"
#include "chitieu/registry/v1/registry.grpc.pb.h"
#include "libs/common/channel.h"
#include "libs/common/dates.h"
#include "libs/common/flags.h"
#include "libs/common/handler.h"
#include "libs/common/log.h"
#include "libs/common/metrics.h"
#include "libs/common/principal.h"
#include "libs/common/server.h"
#include "libs/common/service_main.h"
#include "services/reporting/feed_follower.h"
#include "services/reporting/feed_health.h"
#include "services/reporting/reporting.h"
#include "services/reporting/reporting_service.h"
#include "services/reporting/reporting_store_sql.h"

ABSL_FLAG(bool, rebuild, false,
          "Drop the read model and replay both feeds from zero before serving");

namespace {

namespace reg = ::chitieu::registry::v1;
namespace quo = ::chitieu::quota::v1;

}  // namespace

int main(int argc, char** argv) {
  chitieu::InitService(argc, argv,
                       "chitieu-reporting: progress, summaries, candidates and reports from the "
                       "registry's and quota's change feeds",
                       chitieu::kDefaultReportingAddr);
  chitieu::InitLogging("reporting");
  auto store = chitieu::OpenServiceStore("reporting.db", [](const std::string& location) {
    return chitieu::reporting::SqlReportingStore::Open(location);
  });
  if (store == nullptr) {
    return 1;
  }
  if (absl::GetFlag(FLAGS_rebuild)) {
    if (auto s = store->Reset(); !s.ok()) {
      chitieu::LogError("cannot reset the read model", {{"error", s.ToString()}});
      return 1;
    }
    chitieu::LogInfo("read model dropped; replaying both feeds from zero");
  }
  chitieu::reporting::FeedHealth health;
  auto* s = store.get();
  chitieu::reporting::FeedFollower<reg::RegistryService, reg::StreamChangesRequest,
                                   reg::StreamChangesResponse>
      registry_feed(
          chitieu::reporting::kRegistrySource,
          chitieu::PeerChannel(absl::GetFlag(FLAGS_registry_addr)),
          [s](const std::vector<reg::StreamChangesResponse>& c) { return s->ApplyRegistry(c); }, s,
          &health);
  chitieu::reporting::FeedFollower<quo::QuotaService, quo::StreamChangesRequest,
                                   quo::StreamChangesResponse>
      quota_feed(
          chitieu::reporting::kQuotaSource, chitieu::PeerChannel(absl::GetFlag(FLAGS_quota_addr)),
          [s](const std::vector<quo::StreamChangesResponse>& c) { return s->ApplyQuota(c); }, s,
          &health);
  registry_feed.Start();
  quota_feed.Start();

  chitieu::reporting::Reporting reporting(s, &health, chitieu::TodayInVietnam);
  chitieu::reporting::ReportingService service(&reporting);
  chitieu::reporting::ReportingDirectory directory(s);
  chitieu::Policy policy(&directory);
  chitieu::SetCallPolicy(&policy);
  chitieu::ServerConfig config = chitieu::ServiceServerConfig(
      "reporting", &service, chitieu::reporting::ReportingService::kFullName);
  // Where the read model stands in each feed (lag = the source's
  // chitieu_feed_last_sequence − this), and whether it is connected.
  constexpr const char* kSources[] = {chitieu::reporting::kRegistrySource,
                                      chitieu::reporting::kQuotaSource};
  auto label = [](const char* source) { return std::string("source=\"") + source + "\""; };
  chitieu::Metrics::Global().AddGauge(
      "chitieu_feed_applied_sequence", "The last change of a source applied to the read model.",
      [&, s] {
        chitieu::Metrics::GaugeSamples samples;
        for (const char* source : kSources) {
          if (auto cursor = s->GetCursor(source); cursor.ok()) {
            samples.emplace_back(label(source), static_cast<double>(cursor->sequence));
          }
        }
        return samples;
      });
  chitieu::Metrics::Global().AddGauge(
      "chitieu_feed_connected", "1 while the follower of a source is connected.", [&] {
        chitieu::Metrics::GaugeSamples samples;
        for (const char* source : kSources) {
          samples.emplace_back(label(source), health.connected(source) ? 1 : 0);
        }
        return samples;
      });
  config.on_serving = [&health](grpc::HealthCheckServiceInterface* h) { health.Publish(h); };
  config.on_shutdown = [&] {
    registry_feed.Stop();
    quota_feed.Stop();
  };
  return chitieu::RunServer(config);
}

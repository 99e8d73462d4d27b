// chitieu-reporting: wiring only. The read model (reporting_store_sql.cc)
// is fed by two FeedFollowers; reports are computed in reporting.cc; report
// approvals (reporting_approvals.h) live in a store of their own.

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
#include "libs/common/sql_store.h"
#include "services/reporting/approval_store_sql.h"
#include "services/reporting/feed_follower.h"
#include "services/reporting/feed_health.h"
#include "services/reporting/reporting.h"
#include "services/reporting/reporting_approvals.h"
#include "services/reporting/reporting_service.h"
#include "services/reporting/reporting_store_sql.h"

ABSL_FLAG(bool, rebuild, false,
          "Drop the read model and replay both feeds from zero before serving (approvals are "
          "never touched)");
ABSL_FLAG(std::string, approvals_database_url, "",
          "postgresql://… for report approvals, a database of its own (required with "
          "--database_url); empty: SQLite approvals.db in --data_dir");
ABSL_FLAG(bool, report_acceptance, false,
          "The city accepts approved reports, a second step after approval");

namespace {

namespace reg = ::chitieu::registry::v1;
namespace quo = ::chitieu::quota::v1;

// Where approvals live: source data, so never in the read model's database
// (--rebuild drops that). "" (logged) if the flags do not say.
std::string ApprovalsLocation() {
  const std::string url = absl::GetFlag(FLAGS_approvals_database_url);
  if (!url.empty()) {
    if (!chitieu::IsPostgresUrl(url)) {
      chitieu::LogError("--approvals_database_url must be a postgresql:// URL", {{"url", url}});
      return "";
    }
    return url;
  }
  if (!absl::GetFlag(FLAGS_database_url).empty()) {
    chitieu::LogError(
        "--approvals_database_url is required with --database_url: approvals are source data "
        "and need a database of their own, which --rebuild never touches");
    return "";
  }
  return chitieu::DataFilePath("approvals.db");
}

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
  chitieu::ChangeNotifier approvals_notifier;
  const std::string approvals_location = ApprovalsLocation();
  if (approvals_location.empty()) {
    return 1;
  }
  auto approvals_store =
      chitieu::reporting::SqlApprovalStore::Open(approvals_location, &approvals_notifier);
  if (!approvals_store.ok()) {
    chitieu::LogError("cannot open the approvals store",
                      {{"error", approvals_store.status().ToString()}});
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

  chitieu::reporting::ReportingDirectory directory(s);
  chitieu::Policy policy(&directory);
  chitieu::SetCallPolicy(&policy);
  chitieu::reporting::Reporting reporting(s, &health, chitieu::TodayInVietnam);
  chitieu::reporting::Approvals approvals(approvals_store->get(), s, &reporting, &policy,
                                          chitieu::TodayInVietnam,
                                          {.acceptance = absl::GetFlag(FLAGS_report_acceptance)});
  chitieu::reporting::ReportingService service(&reporting, &approvals, approvals_store->get(),
                                               &approvals_notifier);
  // The approvals feed's head (reporting's own change feed).
  auto* approvals_feed = approvals_store->get();
  chitieu::ExportFeedHead([approvals_feed] { return approvals_feed->LastSequence(); });
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
    approvals_notifier.Shutdown();
    registry_feed.Stop();
    quota_feed.Stop();
  };
  return chitieu::RunServer(config);
}

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
#include "services/reporting/rebuild.h"
#include "services/reporting/reporting.h"
#include "services/reporting/reporting_approvals.h"
#include "services/reporting/reporting_service.h"
#include "services/reporting/reporting_store_sql.h"

ABSL_FLAG(
    bool, rebuild, false,
    "Rebuild the read model from both feeds. On SQLite it is built beside the live one, "
    "which serves meanwhile, and swapped in (the metric chitieu_read_model_rebuild_running "
    "says when); on PostgreSQL it is dropped and replayed before serving. Approvals are never "
    "touched");
ABSL_FLAG(std::string, approvals_database_url, "",
          "postgresql://… for report approvals, a database of its own (required with "
          "--database_url); empty: SQLite approvals.db in --data_dir");
ABSL_FLAG(bool, report_acceptance, false,
          "The city accepts approved reports, a second step after approval");

namespace {

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

// The rebuild's progress for operators and tests: running until the
// rebuilt model is swapped in, then how many feed events it replayed and
// how long it took.
void ExportRebuild(const chitieu::reporting::Rebuild* rebuild) {
  using Samples = chitieu::Metrics::GaugeSamples;
  using State = chitieu::reporting::Rebuild::State;
  auto& metrics = chitieu::Metrics::Global();
  metrics.AddGauge("chitieu_read_model_rebuild_running",
                   "1 while --rebuild builds the read model beside the live one.",
                   [rebuild]() -> Samples {
                     return {{"", rebuild->state() == State::kRunning ? 1.0 : 0.0}};
                   });
  metrics.AddGauge("chitieu_read_model_rebuild_events",
                   "Feed events the rebuilt read model replayed (once swapped in).",
                   [rebuild]() -> Samples {
                     if (rebuild->state() != State::kDone) {
                       return {};
                     }
                     return {{"", static_cast<double>(rebuild->events())}};
                   });
  metrics.AddGauge("chitieu_read_model_rebuild_seconds",
                   "From the start of the rebuild to the swap (once swapped in).",
                   [rebuild]() -> Samples {
                     if (rebuild->state() != State::kDone) {
                       return {};
                     }
                     return {{"", absl::ToDoubleSeconds(rebuild->took())}};
                   });
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
  const auto registry_channel = chitieu::PeerChannel(absl::GetFlag(FLAGS_registry_addr));
  const auto quota_channel = chitieu::PeerChannel(absl::GetFlag(FLAGS_quota_addr));
  std::unique_ptr<chitieu::reporting::Rebuild> rebuild;
  if (absl::GetFlag(FLAGS_rebuild)) {
    if (store->Swappable()) {
      rebuild = std::make_unique<chitieu::reporting::Rebuild>(store.get(), registry_channel,
                                                              quota_channel);
    } else if (auto s = store->Reset(); !s.ok()) {
      chitieu::LogError("cannot reset the read model", {{"error", s.ToString()}});
      return 1;
    } else {
      chitieu::LogInfo("read model dropped; replaying both feeds from zero");
    }
  } else {
    chitieu::reporting::Rebuild::RemoveLeftovers(*store);
  }
  chitieu::reporting::FeedHealth health;
  auto* s = store.get();
  chitieu::reporting::Followers feeds(registry_channel, quota_channel, store.get(), &health);
  feeds.registry.Start();
  feeds.quota.Start();
  if (rebuild != nullptr) {
    rebuild->Start();
    ExportRebuild(rebuild.get());
  }

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
    if (rebuild != nullptr) {
      rebuild->Stop();
    }
    approvals_notifier.Shutdown();
    feeds.registry.Stop();
    feeds.quota.Stop();
  };
  return chitieu::RunServer(config);
}

// End-to-end tests of --rebuild on SQLite (rebuild.h): the live model
// serves until the rebuilt one is swapped in, a kill during the rebuild
// leaves the old model whole, and after the swap the live followers go on
// from the rebuilt model's cursors. PostgreSQL's rebuild (the model dropped
// and replayed) is ReportingE2ETest's.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "chitieu/registry/v1/registry.grpc.pb.h"
#include "chitieu/reporting/v1/reporting.grpc.pb.h"
#include "libs/common/principal.h"
#include "tests/support/metrics_scrape.h"
#include "tests/support/progress.h"
#include "tests/support/stack.h"
#include "tests/support/wait.h"

namespace chitieu {
namespace {

namespace reg = ::chitieu::registry::v1;
namespace rep = ::chitieu::reporting::v1;
using ::chitieu::testing::ServiceProcess;
using ::chitieu::testing::Stack;

class RebuildE2ETest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(stack_.Start({}, /*scenario=*/true)) << stack_.error(); }

  // Reporting in the stack's folder, on the stack's model, with `extra`
  // flags and metrics on a free port.
  std::unique_ptr<ServiceProcess> Reporting(const std::vector<std::string>& extra) {
    std::filesystem::remove(MetricsPortFile());
    std::vector<std::string> args = {"--registry_addr=" + stack_.registry().address(),
                                     "--quota_addr=" + stack_.quota().address(),
                                     std::string("--service_secret=") + Stack::kServiceSecret,
                                     "--metrics_listen=127.0.0.1:0",
                                     "--metrics_port_file=" + MetricsPortFile()};
    args.insert(args.end(), extra.begin(), extra.end());
    return std::make_unique<ServiceProcess>("chitieu-reporting", stack_.dir() + "/reporting", args);
  }

  // Hoàn Kiếm's 2013 progress (the article's figures) and where the model
  // stands in each feed; "" if reporting did not answer.
  static std::string Figures(ServiceProcess& reporting) {
    auto progress = testing::ProgressOf(reporting.channel(), "units/002", 2013);
    if (!progress.has_value()) {
      return "";
    }
    rep::Progress& p = *progress;
    std::ostringstream out;
    for (const auto& lag : p.lag()) {
      out << lag.source() << "@" << lag.last_sequence() << " ";
    }
    p.clear_lag();
    p.clear_report_state();
    return out.str() + p.SerializeAsString();
  }

  std::string MetricsPortFile() const { return stack_.dir() + "/reporting/metrics_port"; }

  // Figures once the stack's reporting has applied both feeds to their
  // heads (the seed may still be in flight when Start returns); "" if it
  // did not within 60 s.
  std::string CaughtUpFigures() {
    auto head = [&](const char* service) {
      return testing::GaugeValue(testing::ScrapeMetrics(stack_.metrics_port(service)),
                                 "chitieu_feed_last_sequence")
          .value_or(-1);
    };
    const std::string wanted = "registry@" +
                               std::to_string(static_cast<int64_t>(head("registry"))) + " quota@" +
                               std::to_string(static_cast<int64_t>(head("quota"))) + " ";
    std::string figures;
    testing::WaitFor(
        [&] {
          figures = Figures(stack_.reporting());
          return figures.rfind(wanted, 0) == 0;
        },
        std::chrono::seconds(60));
    return figures.rfind(wanted, 0) == 0 ? figures : "";
  }

  // A gauge's value from the metrics page of the reporting started last
  // (waited for); nullopt if the page has none.
  std::optional<double> Gauge(const std::string& name) {
    std::string page;
    EXPECT_TRUE(testing::WaitFor(
        [&] {
          page = testing::ScrapeMetricsAt(MetricsPortFile());
          return !page.empty();
        },
        std::chrono::seconds(30)));
    return testing::GaugeValue(page, name);
  }

  Stack stack_;
};

TEST_F(RebuildE2ETest, TheLiveModelServesUntilTheSwapAndAKillLeavesItWhole) {
  const std::string before = CaughtUpFigures();
  ASSERT_NE(before, "");
  ASSERT_EQ(stack_.reporting().Terminate(), 0);

  // The registry out of reach: every attempt fails and starts again, and
  // meanwhile the live model answers with its figures.
  ASSERT_EQ(stack_.registry().Terminate(), 0);
  auto rebuilding = Reporting({"--rebuild"});
  ASSERT_TRUE(rebuilding->Start()) << rebuilding->error();
  EXPECT_EQ(Gauge("chitieu_read_model_rebuild_running"), 1.0);
  EXPECT_EQ(Figures(*rebuilding), before);
  EXPECT_EQ(Gauge("chitieu_read_model_rebuild_events"), std::nullopt);

  // Killed in the middle: the old model, whole, serves after a restart,
  // and what a rebuild left half-built beside it is removed.
  rebuilding->Kill();
  const std::string leftover = stack_.dir() + "/reporting/reporting.db.rebuild";
  std::ofstream(leftover) << "half-built";
  ASSERT_TRUE(stack_.registry().Start()) << stack_.registry().error();
  auto restarted = Reporting({});
  ASSERT_TRUE(restarted->Start()) << restarted->error();
  EXPECT_EQ(Figures(*restarted), before);
  EXPECT_FALSE(std::filesystem::exists(leftover));
  EXPECT_EQ(Gauge("chitieu_read_model_rebuild_running"), std::nullopt);  // No --rebuild.
  ASSERT_EQ(restarted->Terminate(), 0);
}

TEST_F(RebuildE2ETest, TheRebuiltModelIsSwappedInWithTheSameFiguresAndFollowsOn) {
  const std::string before = CaughtUpFigures();
  ASSERT_NE(before, "");
  ASSERT_EQ(stack_.reporting().Terminate(), 0);

  // The live model damaged (its counts gone): what serves after the swap
  // is the rebuilt model, not the file that was there.
  auto damaged = testing::RunShell(
      "sqlite3 " + stack_.dir() + "/reporting/reporting.db 'DELETE FROM organization_counts'",
      stack_.dir());
  ASSERT_EQ(damaged.code, 0) << damaged.err;
  auto rebuilt = Reporting({"--rebuild"});
  ASSERT_TRUE(rebuilt->Start()) << rebuilt->error();
  ASSERT_TRUE(testing::WaitFor([&] { return Gauge("chitieu_read_model_rebuild_running") == 0.0; },
                               std::chrono::seconds(60)));
  EXPECT_FALSE(std::filesystem::exists(stack_.dir() + "/reporting/reporting.db.rebuild"));
  // Every event of both feeds replayed (the seed's), into the same figures.
  auto events = Gauge("chitieu_read_model_rebuild_events");
  ASSERT_TRUE(events.has_value());
  EXPECT_GT(*events, 1000);
  EXPECT_TRUE(Gauge("chitieu_read_model_rebuild_seconds").has_value());
  EXPECT_EQ(Figures(*rebuilt), before);

  // A write after the swap reaches the rebuilt model: the live followers
  // went on from its cursors.
  auto registry = reg::RegistryService::NewStub(stack_.registry().channel());
  reg::CreateBodyRequest create;
  create.set_body_id("hk-rebuilt");
  create.mutable_body()->set_display_name("Cơ quan sau khi dựng lại");
  create.mutable_body()->set_kind(reg::BODY_KIND_WARD_PARTY_COMMITTEE);
  create.mutable_body()->set_unit("units/002");
  reg::Body body;
  grpc::ClientContext ctx;
  ctx.AddMetadata(kServiceSecretMetadata, Stack::kServiceSecret);
  grpc::Status created = registry->CreateBody(&ctx, create, &body);
  ASSERT_TRUE(created.ok()) << created.error_message();
  const std::string registry_at = before.substr(0, before.find(' '));  // "registry@N"
  const int64_t n = std::stoll(registry_at.substr(registry_at.find('@') + 1));
  EXPECT_TRUE(testing::WaitFor(
      [&] {
        const std::string now = Figures(*rebuilt);
        return now.rfind("registry@" + std::to_string(n + 1) + " ", 0) == 0;
      },
      std::chrono::seconds(30)));
  ASSERT_EQ(rebuilt->Terminate(), 0);
}

}  // namespace
}  // namespace chitieu

// What operators rely on, end to end: Prometheus metrics from every
// service (calls by method and code, latency histograms, the feeds' head
// and the read model's position in them).

#include <gtest/gtest.h>

#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "chitieu/gateway/v1/gateway.grpc.pb.h"
#include "chitieu/registry/v1/registry.grpc.pb.h"
#include "tests/support/metrics_scrape.h"
#include "tests/support/postgres.h"
#include "tests/support/stack.h"

namespace chitieu {
namespace {

using ::chitieu::testing::Stack;

TEST(OperationsE2ETest, EveryServiceServesPrometheusMetrics) {
  Stack stack;
  ASSERT_TRUE(stack.Start({{"k-city", "user:city", "city_admin", "units/01"}}, false))
      << stack.error();
  // Two calls through the gateway: one found, one not.
  auto stub = registry::v1::RegistryService::NewStub(stack.gateway().channel());
  for (const char* name : {"units/002", "units/99999"}) {
    registry::v1::GetUnitRequest r;
    r.set_name(name);
    registry::v1::Unit out;
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer k-city");
    stub->GetUnit(&ctx, r, &out);
  }
  const std::string gateway = testing::ScrapeMetrics(stack.metrics_port("gateway"));
  EXPECT_TRUE(absl::StrContains(
      gateway,
      "chitieu_grpc_requests_total{method=\"/chitieu.registry.v1.RegistryService/GetUnit\","
      "code=\"OK\"}"))
      << gateway;
  EXPECT_TRUE(absl::StrContains(
      gateway,
      "chitieu_grpc_request_duration_seconds_count{method=\"/chitieu.registry.v1.RegistryService/"
      "GetUnit\"} 2"))
      << gateway;
  const std::string registry = testing::ScrapeMetrics(stack.metrics_port("registry"));
  EXPECT_TRUE(absl::StrContains(
      registry,
      "chitieu_grpc_requests_total{method=\"/chitieu.registry.v1.RegistryService/GetUnit\","
      "code=\"NOT_FOUND\"}"))
      << registry;
  EXPECT_TRUE(absl::StrContains(registry, "# TYPE chitieu_feed_last_sequence gauge")) << registry;
  EXPECT_TRUE(absl::StrContains(testing::ScrapeMetrics(stack.metrics_port("quota")),
                                "chitieu_feed_last_sequence "));
  const std::string reporting = testing::ScrapeMetrics(stack.metrics_port("reporting"));
  EXPECT_TRUE(absl::StrContains(reporting, "chitieu_feed_connected{source=\"registry\"} 1"))
      << reporting;
  EXPECT_TRUE(absl::StrContains(reporting, "chitieu_feed_applied_sequence{source=\"quota\"}"))
      << reporting;
}

TEST(OperationsE2ETest, GatewayReplicasShareOneAuditLogInPostgres) {
  testing::PostgresServer postgres;
  ASSERT_TRUE(postgres.Start()) << postgres.error();
  Stack stack;
  ASSERT_TRUE(stack.Start({{"k-city", "user:city", "city_admin", "units/01"},
                           {"k-auditor", "user:auditor", "auditor", "units/01"}},
                          false))
      << stack.error();
  const std::string url = postgres.Url("audit");
  std::vector<std::unique_ptr<testing::ServiceProcess>> replicas;
  for (int i = 0; i < 2; ++i) {
    const std::string dir = stack.dir() + "/gateway-replica-" + std::to_string(i);
    std::filesystem::create_directories(dir);
    replicas.push_back(std::make_unique<testing::ServiceProcess>(
        "chitieu-gateway", dir,
        std::vector<std::string>{"--registry_addr=" + stack.registry().address(),
                                 "--quota_addr=" + stack.quota().address(),
                                 "--reporting_addr=" + stack.reporting().address(),
                                 "--api_keys=" + stack.dir() + "/keys", "--http_listen=127.0.0.1:0",
                                 "--service_secret=stack-test-secret", "--database_url=" + url}));
    ASSERT_TRUE(replicas.back()->Start()) << replicas.back()->error();
  }
  // A write through each replica (a body each: a mutation the log records).
  for (int i = 0; i < 2; ++i) {
    registry::v1::CreateBodyRequest r;
    r.set_body_id("replica-" + std::to_string(i));
    r.mutable_body()->set_display_name("Ban " + std::to_string(i));
    r.mutable_body()->set_unit("units/002");
    registry::v1::Body out;
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer k-city");
    auto stub = registry::v1::RegistryService::NewStub(replicas[i]->channel());
    stub->CreateBody(&ctx, r, &out);
  }
  // Either replica shows both entries, in one chain.
  for (int i = 0; i < 2; ++i) {
    gateway::v1::ListAuditEntriesRequest r;
    gateway::v1::ListAuditEntriesResponse out;
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer k-auditor");
    auto status = gateway::v1::GatewayService::NewStub(replicas[i]->channel())
                      ->ListAuditEntries(&ctx, r, &out);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(out.entries_size(), 2);
    EXPECT_EQ(out.entries(0).sequence(), 1);
    EXPECT_EQ(out.entries(1).sequence(), 2);
    EXPECT_EQ(out.entries(1).method(), "/chitieu.registry.v1.RegistryService/CreateBody");
  }
}

}  // namespace
}  // namespace chitieu

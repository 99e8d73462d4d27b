// What operators rely on, end to end: Prometheus metrics from every
// service (calls by method and code, latency histograms, the feeds' head
// and the read model's position in them).

#include <gtest/gtest.h>
#include <httplib.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "chitieu/registry/v1/registry.grpc.pb.h"
#include "tests/support/stack.h"

namespace chitieu {
namespace {

using ::chitieu::testing::Stack;

std::string Scrape(int port) {
  httplib::Client client("127.0.0.1", port);
  auto res = client.Get("/metrics");
  if (!res || res->status != 200) return "";
  return res->body;
}

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
  const std::string gateway = Scrape(stack.metrics_port("gateway"));
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
  const std::string registry = Scrape(stack.metrics_port("registry"));
  EXPECT_TRUE(absl::StrContains(
      registry,
      "chitieu_grpc_requests_total{method=\"/chitieu.registry.v1.RegistryService/GetUnit\","
      "code=\"NOT_FOUND\"}"))
      << registry;
  EXPECT_TRUE(absl::StrContains(registry, "# TYPE chitieu_feed_last_sequence gauge")) << registry;
  EXPECT_TRUE(absl::StrContains(Scrape(stack.metrics_port("quota")), "chitieu_feed_last_sequence "));
  const std::string reporting = Scrape(stack.metrics_port("reporting"));
  EXPECT_TRUE(absl::StrContains(reporting, "chitieu_feed_connected{source=\"registry\"} 1"))
      << reporting;
  EXPECT_TRUE(absl::StrContains(reporting, "chitieu_feed_applied_sequence{source=\"quota\"}"))
      << reporting;
}

}  // namespace
}  // namespace chitieu

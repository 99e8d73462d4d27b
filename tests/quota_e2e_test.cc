// End-to-end tests of chitieu-quota against a real chitieu-registry loaded
// with the demo units.

#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "absl/time/civil_time.h"
#include "chitieu/quota/v1/quota.grpc.pb.h"
#include "libs/common/principal.h"
#include "tests/support/feed_reader.h"
#include "tests/support/postgres.h"
#include "tests/support/service_process.h"

namespace chitieu {
namespace {

namespace pb = ::chitieu::quota::v1;
using ::chitieu::testing::ServiceProcess;
using ::chitieu::testing::TempDir;

// Every test runs with the quota service on SQLite and on PostgreSQL.
class QuotaE2ETest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.path() + "/registry");
    std::filesystem::create_directories(dir_.path() + "/quota");
    registry_ = std::make_unique<ServiceProcess>("chitieu-registry", dir_.path() + "/registry");
    ASSERT_TRUE(registry_->Start()) << registry_->error();
    ASSERT_EQ(testing::RunTool(
                  "chitieu-seed",
                  {"--registry_addr=" + registry_->address(), "--quota_addr=", "--scenario=false"},
                  dir_.path() + "/seed.log"),
              0);
    std::vector<std::string> args = {"--registry_addr=" + registry_->address()};
    if (GetParam() == "postgres") {
      static int databases = 0;
      args.push_back("--database_url=" +
                     testing::SharedPostgres()->Url("quota_e2e_" + std::to_string(++databases)));
    }
    quota_ = std::make_unique<ServiceProcess>("chitieu-quota", dir_.path() + "/quota", args);
    ASSERT_TRUE(quota_->Start()) << quota_->error();
    stub_ = pb::QuotaService::NewStub(quota_->channel());
  }

  grpc::Status Create(const std::string& parent, const std::string& assigner,
                      const std::string& assignee, int value, pb::Target* out,
                      type::v1::Indicator indicator = type::v1::INDICATOR_NEW_PARTY_ORGANIZATIONS) {
    pb::CreateTargetRequest r;
    r.set_parent(parent);
    r.mutable_target()->set_year(2013);
    r.mutable_target()->set_indicator(indicator);
    r.mutable_target()->set_assigner(assigner);
    r.mutable_target()->set_assignee(assignee);
    r.mutable_target()->set_value(value);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return stub_->CreateTarget(&ctx, r, out);
  }

  std::vector<pb::StreamChangesResponse> Feed(int64_t after) {
    return testing::ReadFeed<pb::StreamChangesResponse, pb::StreamChangesRequest>(*stub_, after);
  }

  TempDir dir_;
  std::unique_ptr<ServiceProcess> registry_;
  std::unique_ptr<ServiceProcess> quota_;
  std::unique_ptr<pb::QuotaService::Stub> stub_;
};

TEST_P(QuotaE2ETest, AssignSubAllocateReviseAndReadHistory) {
  pb::Target city, ward, body;
  ASSERT_TRUE(Create("units/002", "units/01", "units/002", 6, &city).ok());
  ASSERT_TRUE(Create("units/00037", "units/002", "units/00037", 2, &ward).ok());
  grpc::Status s = Create("units/002", "units/002", "bodies/hk-block-party", 4, &body);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(ward.parent_target(), city.name());

  pb::GetTargetAllocationRequest a;
  a.set_name(city.name() + "/allocation");
  pb::TargetAllocation allocation;
  grpc::ClientContext c1;
  ASSERT_TRUE(stub_->GetTargetAllocation(&c1, a, &allocation).ok());
  EXPECT_EQ(allocation.allocated(), 6);
  EXPECT_EQ(allocation.remainder(), 0);

  // A ward of another district is not below Hoàn Kiếm.
  pb::Target other;
  s = Create("units/003", "units/002", "units/003", 1, &other);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);

  pb::UpdateTargetRequest u;
  *u.mutable_target() = city;
  u.mutable_target()->set_value(7);
  u.mutable_update_mask()->add_paths("value");
  u.set_reason("Thành ủy giao bổ sung");
  pb::Target revised;
  grpc::ClientContext c2;
  // As the gateway would send it (no service secret in this test).
  c2.AddMetadata(kPrincipalMetadata, "city-admin");
  c2.AddMetadata(kRoleMetadata, "city_admin");
  c2.AddMetadata(kScopeMetadata, "units/01");
  ASSERT_TRUE(stub_->UpdateTarget(&c2, u, &revised).ok());
  pb::ListTargetRevisionsRequest h;
  h.set_parent(city.name());
  pb::ListTargetRevisionsResponse history;
  grpc::ClientContext c3;
  ASSERT_TRUE(stub_->ListTargetRevisions(&c3, h, &history).ok());
  ASSERT_EQ(history.revisions_size(), 1);
  EXPECT_EQ(history.revisions(0).old_value(), 6);
  EXPECT_EQ(history.revisions(0).new_value(), 7);
  EXPECT_EQ(history.revisions(0).reason(), "Thành ủy giao bổ sung");
  EXPECT_EQ(history.revisions(0).revised_by(), "city-admin");
}

TEST_P(QuotaE2ETest, BulkSetWithOneBadRowIsRefusedWhole) {
  pb::SetTargetsRequest set;
  set.set_assigner("units/01");
  set.set_year(2013);
  const char* districts[] = {"units/001", "units/002", "units/003", "units/404"};
  for (const char* d : districts) {
    auto* row = set.add_targets();
    row->set_indicator(type::v1::INDICATOR_NEW_TRADE_UNIONS);
    row->set_assignee(d);
    row->set_value(20);
  }
  pb::SetTargetsResponse out;
  grpc::ClientContext ctx;
  grpc::Status s = stub_->SetTargets(&ctx, set, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(Feed(0).empty());
  set.mutable_targets(3)->set_assignee("units/004");
  grpc::ClientContext ctx2;
  s = stub_->SetTargets(&ctx2, set, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(out.targets_size(), 4);
  EXPECT_EQ(Feed(0).size(), 4u);
}

TEST_P(QuotaE2ETest, RegistryDownIsUnavailableAndNothingIsWritten) {
  pb::Target t;
  grpc::Status created = Create("units/002", "units/01", "units/002", 6, &t);
  ASSERT_TRUE(created.ok()) << created.error_code() << " " << created.error_message();
  const size_t before = Feed(0).size();
  registry_->Kill();
  grpc::Status s = Create("units/003", "units/01", "units/003", 2, &t);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Feed(0).size(), before);
  // Reads that need no registry keep working.
  pb::ListTargetsRequest list;
  list.set_parent("units/002");
  pb::ListTargetsResponse listed;
  grpc::ClientContext ctx;
  ASSERT_TRUE(stub_->ListTargets(&ctx, list, &listed).ok());
  EXPECT_EQ(listed.targets_size(), 1);
}

TEST_P(QuotaE2ETest, FeedResumesAfterRestart) {
  pb::Target t;
  ASSERT_TRUE(Create("units/002", "units/01", "units/002", 6, &t).ok());
  const int64_t last = Feed(0).back().sequence();
  EXPECT_EQ(quota_->Terminate(), 0);
  ASSERT_TRUE(quota_->Start()) << quota_->error();
  stub_ = pb::QuotaService::NewStub(quota_->channel());
  ASSERT_TRUE(Create("units/003", "units/01", "units/003", 3, &t).ok());
  auto resumed = Feed(last);
  ASSERT_EQ(resumed.size(), 1u);
  EXPECT_EQ(resumed[0].sequence(), last + 1);
  EXPECT_EQ(resumed[0].target().assignee(), "units/003");
}

}  // namespace
}  // namespace chitieu

namespace chitieu {
namespace {

TEST(QuotaSeedE2ETest, DemoTargetsThresholdsAndPlans) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() + "/registry");
  std::filesystem::create_directories(dir.path() + "/quota");
  ServiceProcess registry("chitieu-registry", dir.path() + "/registry");
  ASSERT_TRUE(registry.Start()) << registry.error();
  ServiceProcess quota("chitieu-quota", dir.path() + "/quota",
                       {"--registry_addr=" + registry.address()});
  ASSERT_TRUE(quota.Start()) << quota.error();
  const std::vector<std::string> args = {"--registry_addr=" + registry.address(),
                                         "--quota_addr=" + quota.address(), "--scenario=false"};
  ASSERT_EQ(testing::RunTool("chitieu-seed", args, dir.path() + "/seed.log"), 0);
  ASSERT_EQ(testing::RunTool("chitieu-seed", args, dir.path() + "/seed.log"), 0);  // Again.
  auto stub = pb::QuotaService::NewStub(quota.channel());

  pb::ListTargetsRequest list;
  list.set_parent("units/002");
  list.set_year(2013);
  pb::ListTargetsResponse targets;
  grpc::ClientContext c1;
  ASSERT_TRUE(stub->ListTargets(&c1, list, &targets).ok());
  std::map<int, int> by_indicator;
  for (const auto& t : targets.targets()) {
    by_indicator[t.indicator()] = t.value();
  }
  EXPECT_EQ(by_indicator, (std::map<int, int>{{type::v1::INDICATOR_NEW_PARTY_ORGANIZATIONS, 6},
                                              {type::v1::INDICATOR_NEW_TRADE_UNIONS, 23},
                                              {type::v1::INDICATOR_NEW_YOUTH_UNIONS, 5}}));

  pb::GetFoundingThresholdsRequest g;
  g.set_name("foundingThresholds/2013");
  pb::FoundingThresholds thresholds;
  grpc::ClientContext c2;
  ASSERT_TRUE(stub->GetFoundingThresholds(&c2, g, &thresholds).ok());
  EXPECT_EQ(thresholds.etag(), "v1");  // Set once, not again by the second run.
  EXPECT_EQ(thresholds.party_cell_official_members(), 3);

  pb::ListPlansRequest plans_request;
  plans_request.set_parent("units/002");
  pb::ListPlansResponse plans;
  grpc::ClientContext c3;
  ASSERT_TRUE(stub->ListPlans(&c3, plans_request, &plans).ok());
  EXPECT_EQ(plans.plans_size(), 7);  // "7 plans, regulations and guidelines".
  pb::GetPlanRequest get;
  get.set_name(plans.plans(0).implements());
  pb::Plan resolution;
  grpc::ClientContext c4;
  ASSERT_TRUE(stub->GetPlan(&c4, get, &resolution).ok());
  auto day = [](const std::string& d) {
    return absl::CivilDay(std::stoi(d.substr(0, 4)), std::stoi(d.substr(5, 2)),
                          std::stoi(d.substr(8, 2)));
  };
  // "The district issued its plan 18 days after the city issued the resolution."
  EXPECT_EQ(day(plans.plans(0).issue_date()) - day(resolution.issue_date()), 18);
}

INSTANTIATE_TEST_SUITE_P(Backends, QuotaE2ETest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace chitieu

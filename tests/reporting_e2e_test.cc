// End-to-end tests of chitieu-reporting with the real registry and quota:
// the article's figures from the seed, a rebuild that gives the same
// figures, candidate lists that follow a threshold change, and exact
// figures after each service is killed in turn during a stream of writes.

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <set>
#include <thread>

#include "chitieu/quota/v1/quota.grpc.pb.h"
#include "chitieu/registry/v1/registry.grpc.pb.h"
#include "chitieu/reporting/v1/reporting.grpc.pb.h"
#include "clients/seed/demo_data.h"
#include "libs/common/health_client.h"
#include "services/registry/tax_code.h"
#include "tests/support/feed_reader.h"
#include "tests/support/service_process.h"
#include "tests/support/wait.h"

namespace chitieu {
namespace {

namespace reg = ::chitieu::registry::v1;
namespace quo = ::chitieu::quota::v1;
namespace rep = ::chitieu::reporting::v1;
using ::chitieu::testing::ServiceProcess;
using ::chitieu::testing::TempDir;

// The three services, each in its own folder, wired to each other.
class Stack {
 public:
  Stack() {
    for (const char* s : {"registry", "quota", "reporting"}) {
      std::filesystem::create_directories(dir_.path() + "/" + s);
    }
  }

  void Start() {
    registry_ = std::make_unique<ServiceProcess>("chitieu-registry", dir_.path() + "/registry");
    ASSERT_TRUE(registry_->Start()) << registry_->error();
    quota_ = std::make_unique<ServiceProcess>(
        "chitieu-quota", dir_.path() + "/quota",
        std::vector<std::string>{"--registry_addr=" + registry_->address()});
    ASSERT_TRUE(quota_->Start()) << quota_->error();
    StartReporting({});
    Connect();
  }

  void StartReporting(std::vector<std::string> extra) {
    std::vector<std::string> args = {"--registry_addr=" + registry_->address(),
                                     "--quota_addr=" + quota_->address()};
    args.insert(args.end(), extra.begin(), extra.end());
    reporting_ =
        std::make_unique<ServiceProcess>("chitieu-reporting", dir_.path() + "/reporting", args);
    ASSERT_TRUE(reporting_->Start()) << reporting_->error();
  }

  void Connect() {
    registry_stub = reg::RegistryService::NewStub(registry_->channel());
    quota_stub = quo::QuotaService::NewStub(quota_->channel());
    reporting_stub = rep::ReportingService::NewStub(reporting_->channel());
  }

  int Seed(bool scenario) {
    return testing::RunTool(
        "chitieu-seed",
        {"--registry_addr=" + registry_->address(), "--quota_addr=" + quota_->address(),
         scenario ? "--scenario=true" : "--scenario=false"},
        dir_.path() + "/seed.log");
  }

  // Waits until the read model has applied both feeds to their current
  // ends (polling the lag reports state; bounded at 60 s).
  bool WaitCaughtUp() {
    const int64_t r =
        LastSequence<reg::StreamChangesResponse, reg::StreamChangesRequest>(*registry_stub);
    const int64_t q =
        LastSequence<quo::StreamChangesResponse, quo::StreamChangesRequest>(*quota_stub);
    return testing::WaitFor(
        [&] {
          rep::GetEnterpriseStatusSummaryRequest req;
          req.set_unit("units/01");
          rep::EnterpriseStatusSummary s;
          grpc::ClientContext ctx;
          return reporting_stub->GetEnterpriseStatusSummary(&ctx, req, &s).ok() &&
                 s.lag_size() == 2 && s.lag(0).last_sequence() == r &&
                 s.lag(1).last_sequence() == q;
        },
        std::chrono::seconds(60));
  }

  rep::Progress Progress(const std::string& unit, int year) {
    rep::GetProgressRequest r;
    r.set_unit(unit);
    r.set_year(year);
    rep::Progress p;
    grpc::ClientContext ctx;
    grpc::Status s = reporting_stub->GetProgress(&ctx, r, &p);
    EXPECT_TRUE(s.ok()) << s.error_message();
    p.clear_lag();
    return p;
  }

  rep::EnterpriseStatusSummary Summary(const std::string& unit, const std::string& as_of) {
    rep::GetEnterpriseStatusSummaryRequest r;
    r.set_unit(unit);
    r.set_as_of(as_of);
    rep::EnterpriseStatusSummary s;
    grpc::ClientContext ctx;
    EXPECT_TRUE(reporting_stub->GetEnterpriseStatusSummary(&ctx, r, &s).ok());
    s.clear_lag();
    return s;
  }

  ServiceProcess& registry() { return *registry_; }
  ServiceProcess& quota() { return *quota_; }
  ServiceProcess& reporting() { return *reporting_; }

  std::unique_ptr<reg::RegistryService::Stub> registry_stub;
  std::unique_ptr<quo::QuotaService::Stub> quota_stub;
  std::unique_ptr<rep::ReportingService::Stub> reporting_stub;

 private:
  template <typename Response, typename Request, typename Stub>
  int64_t LastSequence(Stub& stub) {
    auto feed = testing::ReadFeed<Response, Request>(stub, 0);
    return feed.empty() ? 0 : feed.back().sequence();
  }

  TempDir dir_;
  std::unique_ptr<ServiceProcess> registry_, quota_, reporting_;
};

const rep::IndicatorProgress& Indicator(const rep::Progress& p, type::v1::Indicator i) {
  for (const auto& ip : p.indicators()) {
    if (ip.indicator() == i) {
      return ip;
    }
  }
  static rep::IndicatorProgress none;
  return none;
}

int Count(const rep::EnterpriseStatusSummary& s, type::v1::EnterpriseStatus status) {
  for (const auto& c : s.counts()) {
    if (c.status() == status) {
      return c.count();
    }
  }
  return -1;
}

int Candidates(Stack& stack, int year) {
  rep::ListFoundingCandidatesRequest r;
  r.set_unit("units/002");
  r.set_kind(type::v1::ORGANIZATION_KIND_PARTY);
  r.set_year(year);
  r.set_page_size(1000);
  rep::ListFoundingCandidatesResponse out;
  grpc::ClientContext ctx;
  EXPECT_TRUE(stack.reporting_stub->ListFoundingCandidates(&ctx, r, &out).ok());
  return out.candidates_size();
}

// Party candidates the scenario should give at a threshold: active,
// enough official members, no Party organization.
int ExpectedCandidates(int threshold) {
  const seed::Scenario sc = seed::HoanKiemScenario();
  std::set<std::string> with_party;
  for (const auto& o : sc.organizations) {
    if (o.kind == type::v1::ORGANIZATION_KIND_PARTY) {
      with_party.insert(o.enterprise_code);
    }
  }
  int n = 0;
  for (const auto& e : sc.enterprises) {
    if (e.status == 0 && e.official_party >= threshold && !with_party.count(e.code)) {
      ++n;
    }
  }
  return n;
}

TEST(ReportingE2ETest, SeedGivesTheArticlesFiguresAndARebuildGivesTheSame) {
  Stack stack;
  ASSERT_NO_FATAL_FAILURE(stack.Start());
  ASSERT_EQ(stack.Seed(true), 0);
  ASSERT_TRUE(stack.WaitCaughtUp());

  const rep::Progress y2013 = stack.Progress("units/002", 2013);
  const auto& party = Indicator(y2013, type::v1::INDICATOR_NEW_PARTY_ORGANIZATIONS);
  EXPECT_EQ(party.achieved(), 7);
  EXPECT_EQ(party.target(), 6);
  EXPECT_EQ(party.difference(), 1);
  EXPECT_EQ(party.status(), type::v1::PROGRESS_STATUS_EXCEEDED);
  int by_block = -1;
  for (const auto& b : party.by_body()) {
    if (b.key() == "bodies/hk-block-party") {
      by_block = b.achieved();
    }
  }
  EXPECT_EQ(by_block, 4);  // "The block committee founded 4 of the 7."
  EXPECT_EQ(Indicator(y2013, type::v1::INDICATOR_NEW_PARTY_MEMBERS).achieved(), 39);
  const auto& unions = Indicator(y2013, type::v1::INDICATOR_NEW_TRADE_UNIONS);
  EXPECT_EQ(unions.achieved(), 24);
  EXPECT_EQ(unions.target(), 23);
  EXPECT_EQ(unions.status(), type::v1::PROGRESS_STATUS_EXCEEDED);
  const auto& youth = Indicator(y2013, type::v1::INDICATOR_NEW_YOUTH_UNIONS);
  EXPECT_EQ(youth.achieved(), 12);
  EXPECT_EQ(youth.target(), 5);
  EXPECT_EQ(youth.difference(), 7);

  const rep::Progress y2012 = stack.Progress("units/002", 2012);
  EXPECT_EQ(Indicator(y2012, type::v1::INDICATOR_NEW_PARTY_ORGANIZATIONS).achieved(), 3);
  EXPECT_EQ(Indicator(y2012, type::v1::INDICATOR_NEW_PARTY_ORGANIZATIONS).status(),
            type::v1::PROGRESS_STATUS_NOT_MET);
  EXPECT_EQ(Indicator(y2012, type::v1::INDICATOR_NEW_YOUTH_UNIONS).achieved(), 2);
  EXPECT_EQ(Indicator(y2012, type::v1::INDICATOR_NEW_YOUTH_UNIONS).status(),
            type::v1::PROGRESS_STATUS_NOT_MET);
  EXPECT_EQ(Indicator(y2012, type::v1::INDICATOR_NEW_TRADE_UNIONS).status(),
            type::v1::PROGRESS_STATUS_MET);

  const rep::EnterpriseStatusSummary summary = stack.Summary("units/002", "2013-12-31");
  EXPECT_GT(summary.total(), 7300);
  EXPECT_EQ(Count(summary, type::v1::ENTERPRISE_STATUS_SUSPENDED), 1207);
  EXPECT_EQ(Count(summary, type::v1::ENTERPRISE_STATUS_NOT_AT_REGISTERED_ADDRESS), 1516);
  EXPECT_EQ(Count(summary, type::v1::ENTERPRISE_STATUS_DISSOLVED), 186);

  // The three enterprises the article names are in it.
  for (const auto& named : seed::NamedEnterprises()) {
    reg::ListEnterprisesRequest list;
    list.set_filter("unit = \"units/" + named.unit_code + "\"");
    list.set_page_size(1000);
    reg::ListEnterprisesResponse out;
    grpc::ClientContext ctx;
    ASSERT_TRUE(stack.registry_stub->ListEnterprises(&ctx, list, &out).ok());
    bool found = false;
    for (const auto& e : out.enterprises()) {
      found |= e.display_name() == named.name;
    }
    EXPECT_TRUE(found) << named.name;
  }

  // The year-end report is the article's table, in Vietnamese.
  rep::GetYearEndReportRequest yr;
  yr.set_unit("units/002");
  yr.set_year(2013);
  rep::YearEndReport report;
  grpc::ClientContext rctx;
  ASSERT_TRUE(stack.reporting_stub->GetYearEndReport(&rctx, yr, &report).ok());
  EXPECT_NE(report.html().find("<td class=\"n\">7/6</td>"), std::string::npos);
  EXPECT_NE(report.html().find("<td class=\"n\">24/23</td>"), std::string::npos);
  EXPECT_NE(report.html().find("Vượt 7"), std::string::npos);
  EXPECT_NE(report.html().find("Bỏ địa điểm kinh doanh</td><td class=\"n\">1516"),
            std::string::npos);

  // Candidates follow a threshold change made in quota.
  EXPECT_EQ(Candidates(stack, 2013), ExpectedCandidates(3));
  quo::UpdateFoundingThresholdsRequest u;
  u.mutable_founding_thresholds()->set_name("foundingThresholds/2013");
  u.mutable_founding_thresholds()->set_party_cell_official_members(5);
  u.mutable_update_mask()->add_paths("party_cell_official_members");
  quo::FoundingThresholds t;
  grpc::ClientContext tctx;
  ASSERT_TRUE(stack.quota_stub->UpdateFoundingThresholds(&tctx, u, &t).ok());
  ASSERT_TRUE(stack.WaitCaughtUp());
  EXPECT_EQ(Candidates(stack, 2013), ExpectedCandidates(5));
  EXPECT_LT(ExpectedCandidates(5), ExpectedCandidates(3));

  // --rebuild gives the same figures. (On PostgreSQL the model is dropped
  // and replayed before this reads it; on SQLite the live model answers
  // until the rebuilt one is swapped in: rebuild_e2e_test waits for that.)
  const rep::Progress before = stack.Progress("units/002", 2013);
  const rep::EnterpriseStatusSummary summary_before = stack.Summary("units/002", "2013-12-31");
  EXPECT_EQ(stack.reporting().Terminate(), 0);
  ASSERT_NO_FATAL_FAILURE(stack.StartReporting({"--rebuild"}));
  stack.Connect();
  ASSERT_TRUE(stack.WaitCaughtUp());
  EXPECT_EQ(stack.Progress("units/002", 2013).SerializeAsString(), before.SerializeAsString());
  EXPECT_EQ(stack.Summary("units/002", "2013-12-31").SerializeAsString(),
            summary_before.SerializeAsString());
}

TEST(ReportingE2ETest, ExactFiguresAfterEachServiceIsKilledDuringWrites) {
  Stack stack;
  ASSERT_NO_FATAL_FAILURE(stack.Start());
  ASSERT_EQ(stack.Seed(false), 0);
  constexpr int kWrites = 60;
  std::atomic<int> done{0};
  // Each write is retried with its request_id until acknowledged, as a
  // client of a service that restarts would.
  auto retry = [](auto call) {
    for (int attempt = 0; attempt < 600; ++attempt) {
      grpc::Status s = call();
      if (s.ok()) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  };
  std::mutex stubs_mu;
  auto registry_channel = [&] {
    std::lock_guard<std::mutex> lock(stubs_mu);
    return stack.registry().channel();
  };
  auto quota_channel = [&] {
    std::lock_guard<std::mutex> lock(stubs_mu);
    return stack.quota().channel();
  };
  std::thread writer([&] {
    for (int i = 0; i < kWrites; ++i) {
      std::string code;
      for (int s = 5000 + 3 * i; code.empty(); ++s) {
        code = registry::MakeEnterpriseCode(1, s);
      }
      reg::CreateEnterpriseRequest e;
      e.set_request_id("e2e-enterprise-" + std::to_string(i));
      auto* ent = e.mutable_enterprise();
      ent->set_enterprise_code(code);
      ent->set_display_name("DN " + std::to_string(i));
      ent->set_legal_form(type::v1::LEGAL_FORM_SINGLE_MEMBER_LLC);
      ent->set_sector(type::v1::SECTOR_NON_STATE);
      ent->set_seat_unit("units/00037");
      ent->set_registration_date("2012-01-01");
      ASSERT_TRUE(retry([&] {
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
        reg::Enterprise out;
        return reg::RegistryService::NewStub(registry_channel())->CreateEnterprise(&ctx, e, &out);
      }));
      reg::CreateOrganizationRequest o;
      o.set_request_id("e2e-org-" + std::to_string(i));
      o.set_parent("enterprises/" + code);
      o.mutable_organization()->set_kind(type::v1::ORGANIZATION_KIND_PARTY);
      o.mutable_organization()->set_founding_date("2013-06-01");
      o.mutable_organization()->set_decision_number(std::to_string(i));
      o.mutable_organization()->set_founding_body("bodies/hk-block-party");
      ASSERT_TRUE(retry([&] {
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
        reg::Organization out;
        return reg::RegistryService::NewStub(registry_channel())->CreateOrganization(&ctx, o, &out);
      }));
      if (i % 4 == 0) {  // Targets for the wards, through quota.
        quo::CreateTargetRequest t;
        t.set_request_id("e2e-target-" + std::to_string(i));
        t.set_parent("units/000" + std::to_string(37 + 3 * (i / 4)));  // 00037 … 00079.
        t.mutable_target()->set_year(2013);
        t.mutable_target()->set_indicator(type::v1::INDICATOR_NEW_PARTY_ORGANIZATIONS);
        t.mutable_target()->set_assigner("units/002");
        t.mutable_target()->set_assignee(t.parent());
        t.mutable_target()->set_value(1);
        ASSERT_TRUE(retry([&] {
          grpc::ClientContext ctx;
          ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
          quo::Target out;
          grpc::Status s = quo::QuotaService::NewStub(quota_channel())->CreateTarget(&ctx, t, &out);
          // Over-allocation under the district's 2013 target is allowed here.
          if (s.error_code() == grpc::StatusCode::FAILED_PRECONDITION) {
            t.set_allow_over_allocation(true);
          }
          return s;
        }));
      }
      ++done;
    }
  });
  auto restart_when = [&](int after, auto& process) {
    while (done.load() < after) {
      std::this_thread::yield();
    }
    std::lock_guard<std::mutex> lock(stubs_mu);
    process.Kill();
    ASSERT_TRUE(process.Start()) << process.error();
  };
  {
    // With the registry down, reporting keeps answering from the last state
    // and says so: its feed health goes NOT_SERVING and the lag shows the
    // registry disconnected.
    while (done.load() < 10) {
      std::this_thread::yield();
    }
    std::lock_guard<std::mutex> lock(stubs_mu);
    stack.registry().Kill();
    const std::string feed = "chitieu.reporting.feed.registry";
    EXPECT_TRUE(testing::WaitFor([&] { return !IsServing(stack.reporting().channel(), 500, feed); },
                                 std::chrono::seconds(10)));
    rep::GetProgressRequest r;
    r.set_unit("units/002");
    r.set_year(2013);
    rep::Progress p;
    grpc::ClientContext ctx;
    ASSERT_TRUE(stack.reporting_stub->GetProgress(&ctx, r, &p).ok());
    EXPECT_FALSE(p.lag(0).connected());
    EXPECT_TRUE(p.lag(1).connected());
    ASSERT_TRUE(stack.registry().Start()) << stack.registry().error();
  }
  restart_when(25, stack.quota());
  restart_when(40, stack.reporting());
  writer.join();
  stack.Connect();
  ASSERT_TRUE(stack.WaitCaughtUp());

  const rep::Progress p = stack.Progress("units/002", 2013);
  const auto& party = Indicator(p, type::v1::INDICATOR_NEW_PARTY_ORGANIZATIONS);
  EXPECT_EQ(party.achieved(), kWrites);  // Each once: none lost, none twice.
  int ward_targets = 0;
  for (const auto& b : party.by_child_unit()) {
    ward_targets += b.target();
  }
  EXPECT_EQ(ward_targets, (kWrites + 3) / 4);
  // The writes and the three named enterprises the seed registers.
  EXPECT_EQ(stack.Summary("units/002", "2013-12-31").total(), kWrites + 3);
}

}  // namespace
}  // namespace chitieu

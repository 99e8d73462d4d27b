// Two replicas of the registry on one PostgreSQL database, and two replicas
// of reporting on another, each following its own registry replica
// (Debian's PostgreSQL 15, started by the test): enterprises and
// organizations written through both registry replicas at once land in one
// change feed, gap-free and the same from either replica; both reporting
// replicas, applying that feed into one shared read model at the same
// time, end with the exact figures; racing updates with one etag — exactly
// one wins each round.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "chitieu/quota/v1/quota.grpc.pb.h"
#include "chitieu/registry/v1/registry.grpc.pb.h"
#include "chitieu/reporting/v1/reporting.grpc.pb.h"
#include "services/registry/tax_code.h"
#include "tests/support/feed_reader.h"
#include "tests/support/postgres.h"
#include "tests/support/race.h"
#include "tests/support/service_process.h"
#include "tests/support/wait.h"

namespace chitieu {
namespace {

namespace reg = ::chitieu::registry::v1;
namespace rep = ::chitieu::reporting::v1;
using ::chitieu::testing::ServiceProcess;

std::string Code(int seq) {
  std::string code;
  for (int s = seq; code.empty(); ++s) {
    code = registry::MakeEnterpriseCode(1, s);
  }
  return code;
}

void Deadline(grpc::ClientContext& ctx) {
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
}

class RegistryReplicasTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    postgres_ = new testing::PostgresServer();
    ASSERT_TRUE(postgres_->Start()) << postgres_->error();
    dir_ = new testing::TempDir();
    const std::string registry_url = postgres_->Url("registry");
    const std::string reporting_url = postgres_->Url("reporting");
    // The replicas share the approvals too, in a database of their own.
    const std::string approvals_url = postgres_->Url("approvals");
    for (int i = 0; i < 2; ++i) {
      registry_[i] =
          new ServiceProcess("chitieu-registry", dir_->path() + "/registry-" + std::to_string(i),
                             {"--database_url=" + registry_url});
      ASSERT_TRUE(registry_[i]->Start()) << registry_[i]->error();
    }
    quota_ = new ServiceProcess("chitieu-quota", dir_->path() + "/quota",
                                {"--registry_addr=" + registry_[0]->address()});
    ASSERT_TRUE(quota_->Start()) << quota_->error();
    ASSERT_EQ(testing::RunTool("chitieu-seed",
                               {"--registry_addr=" + registry_[0]->address(),
                                "--quota_addr=" + quota_->address(), "--scenario=false"},
                               dir_->path() + "/seed.log"),
              0);
    for (int i = 0; i < 2; ++i) {
      reporting_[i] = new ServiceProcess(
          "chitieu-reporting", dir_->path() + "/reporting-" + std::to_string(i),
          {"--database_url=" + reporting_url, "--approvals_database_url=" + approvals_url,
           "--registry_addr=" + registry_[i]->address(), "--quota_addr=" + quota_->address()});
      ASSERT_TRUE(reporting_[i]->Start()) << reporting_[i]->error();
    }
  }
  static void TearDownTestSuite() {
    for (auto* r : reporting_) {
      delete r;
    }
    delete quota_;
    for (auto* r : registry_) {
      delete r;
    }
    delete dir_;
    delete postgres_;
  }

  static std::unique_ptr<reg::RegistryService::Stub> Registry(int replica) {
    return reg::RegistryService::NewStub(registry_[replica]->channel());
  }

  static grpc::Status CreateEnterprise(int replica, int seq, reg::Enterprise* out) {
    reg::CreateEnterpriseRequest r;
    auto* e = r.mutable_enterprise();
    e->set_enterprise_code(Code(seq));
    e->set_display_name("Công ty TNHH " + std::to_string(seq));
    e->set_legal_form(type::v1::LEGAL_FORM_MULTI_MEMBER_LLC);
    e->set_sector(type::v1::SECTOR_NON_STATE);
    e->set_seat_unit("units/002");
    e->set_registration_date("2011-03-15");
    grpc::ClientContext ctx;
    Deadline(ctx);
    return Registry(replica)->CreateEnterprise(&ctx, r, out);
  }

  static grpc::Status FoundParty(int replica, const std::string& code) {
    reg::CreateOrganizationRequest r;
    r.set_parent("enterprises/" + code);
    r.mutable_organization()->set_kind(type::v1::ORGANIZATION_KIND_PARTY);
    r.mutable_organization()->set_founding_date("2013-06-01");
    r.mutable_organization()->set_decision_number("QĐ-" + code);
    r.mutable_organization()->set_founding_body("bodies/hk-block-party");
    reg::Organization out;
    grpc::ClientContext ctx;
    Deadline(ctx);
    return Registry(replica)->CreateOrganization(&ctx, r, &out);
  }

  static std::vector<int64_t> FeedSequences(int replica) {
    auto stub = Registry(replica);
    std::vector<int64_t> out;
    for (const auto& c :
         testing::ReadFeed<reg::StreamChangesResponse, reg::StreamChangesRequest>(*stub, 0)) {
      out.push_back(c.sequence());
    }
    return out;
  }

  // Party organizations founded in 2013 beneath Hoàn Kiếm, as reporting
  // replica `replica` counts them once it has applied the registry's feed
  // up to `head`; -1 if it has not within a minute.
  static int PartyFounded(int replica, int64_t head) {
    auto stub = rep::ReportingService::NewStub(reporting_[replica]->channel());
    rep::Progress p;
    const bool caught_up = testing::WaitFor(
        [&] {
          rep::GetProgressRequest r;
          r.set_unit("units/002");
          r.set_year(2013);
          grpc::ClientContext ctx;
          Deadline(ctx);
          return stub->GetProgress(&ctx, r, &p).ok() && p.lag_size() > 0 &&
                 p.lag(0).last_sequence() >= head;
        },
        std::chrono::seconds(60));
    if (!caught_up) {
      return -1;
    }
    for (const auto& i : p.indicators()) {
      if (i.indicator() == type::v1::INDICATOR_NEW_PARTY_ORGANIZATIONS) {
        return i.achieved();
      }
    }
    return 0;
  }

  static testing::PostgresServer* postgres_;
  static testing::TempDir* dir_;
  static ServiceProcess* registry_[2];
  static ServiceProcess* quota_;
  static ServiceProcess* reporting_[2];
};

testing::PostgresServer* RegistryReplicasTest::postgres_ = nullptr;
testing::TempDir* RegistryReplicasTest::dir_ = nullptr;
ServiceProcess* RegistryReplicasTest::registry_[2] = {nullptr, nullptr};
ServiceProcess* RegistryReplicasTest::quota_ = nullptr;
ServiceProcess* RegistryReplicasTest::reporting_[2] = {nullptr, nullptr};

TEST_F(RegistryReplicasTest, WritesThroughBothLandInOneFeedAndBothReportsAreExact) {
  const int before = PartyFounded(0, FeedSequences(0).back());
  ASSERT_GE(before, 0);
  constexpr int kEach = 15;
  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  for (int replica = 0; replica < 2; ++replica) {
    writers.emplace_back([&, replica] {
      for (int i = 0; i < kEach; ++i) {
        reg::Enterprise e;
        const int seq = 100000 + replica * 10000 + i * 20;
        if (!CreateEnterprise(replica, seq, &e).ok() ||
            !FoundParty(replica, e.enterprise_code()).ok()) {
          ++failures;
        }
      }
    });
  }
  for (auto& t : writers) {
    t.join();
  }
  ASSERT_EQ(failures, 0);

  // One feed, the same from either replica, with no gap.
  const auto seen = FeedSequences(0);
  EXPECT_EQ(FeedSequences(1), seen);
  ASSERT_FALSE(seen.empty());
  for (size_t i = 0; i < seen.size(); ++i) {
    ASSERT_EQ(seen[i], int64_t(i + 1));
  }

  // Both reporting replicas, sharing one read model, count every
  // organization once.
  EXPECT_EQ(PartyFounded(0, seen.back()), before + 2 * kEach);
  EXPECT_EQ(PartyFounded(1, seen.back()), before + 2 * kEach);
}

TEST_F(RegistryReplicasTest, RacingUpdatesWithOneEtagLoseNothing) {
  reg::Enterprise e;
  ASSERT_TRUE(CreateEnterprise(0, 900000, &e).ok());
  constexpr int kRounds = 10;
  for (int round = 0; round < kRounds; ++round) {
    const testing::RaceOutcome race = testing::RaceReplicas(2, [&](int replica) {
      reg::UpdateEnterpriseRequest u;
      *u.mutable_enterprise() = e;
      u.mutable_enterprise()->set_display_name("Công ty TNHH vòng " + std::to_string(round) +
                                               " qua bản sao " + std::to_string(replica));
      u.mutable_update_mask()->add_paths("display_name");
      reg::Enterprise out;
      grpc::ClientContext ctx;
      Deadline(ctx);
      return Registry(replica)->UpdateEnterprise(&ctx, u, &out);
    });
    ASSERT_EQ(race.ok, 1) << "round " << round;
    ASSERT_EQ(race.aborted, 1) << "round " << round;
    reg::GetEnterpriseRequest g;
    g.set_name(e.name());
    grpc::ClientContext ctx;
    Deadline(ctx);
    ASSERT_TRUE(Registry(round % 2)->GetEnterprise(&ctx, g, &e).ok());
    EXPECT_NE(e.display_name().find("vòng " + std::to_string(round)), std::string::npos);
  }
}

}  // namespace
}  // namespace chitieu

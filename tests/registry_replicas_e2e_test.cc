// Two replicas of the registry on one PostgreSQL database, and two replicas
// of reporting on another, each following its own registry replica
// (Debian's PostgreSQL 15, started by the test): enterprises and
// organizations written through both registry replicas at once land in one
// change feed, gap-free and the same from either replica; both reporting
// replicas, applying that feed into one shared read model at the same
// time, end with the exact figures; racing updates with one etag — exactly
// one wins each round; racing calls with one request_id — one answer, one
// organization or admission; racing founders of one kind — one founded;
// writes waiting for the feed hold no other call.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "chitieu/quota/v1/quota.grpc.pb.h"
#include "chitieu/registry/v1/registry.grpc.pb.h"
#include "chitieu/reporting/v1/reporting.grpc.pb.h"
#include "libs/common/pg.h"
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

  static grpc::Status FoundParty(int replica, const std::string& code,
                                 const std::string& request_id = "",
                                 reg::Organization* founded = nullptr) {
    reg::CreateOrganizationRequest r;
    r.set_request_id(request_id);
    r.set_parent("enterprises/" + code);
    r.mutable_organization()->set_kind(type::v1::ORGANIZATION_KIND_PARTY);
    r.mutable_organization()->set_founding_date("2013-06-01");
    r.mutable_organization()->set_decision_number("QĐ-" + code);
    r.mutable_organization()->set_founding_body("bodies/hk-block-party");
    reg::Organization out;
    grpc::ClientContext ctx;
    Deadline(ctx);
    return Registry(replica)->CreateOrganization(&ctx, r, founded != nullptr ? founded : &out);
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

// gRPC runs a process's callback handlers on two threads here; a handler
// waiting on the database used to hold one, so two waiting writes held
// the whole registry. With the feed's numbering held (a lock on its head,
// as a slow pass of another replica holds it), six writes commit and wait
// for the feed at once, and a read is answered meanwhile.
TEST_F(RegistryReplicasTest, WritesWaitingOnTheFeedHoldNoOtherCall) {
  auto hold = testing::FeedHeadHold::Take(postgres_->Url("registry"));
  ASSERT_TRUE(hold.ok()) << hold.status();
  PgDb& holder = (*hold)->db();
  auto unnumbered = [&] {
    auto rows = holder.Query("SELECT count(*) FROM changes WHERE sequence IS NULL");
    return rows.ok() ? rows->Int64(0, 0) : -1;
  };
  const int64_t waiting_before = unnumbered();
  ASSERT_GE(waiting_before, 0);

  constexpr int kWrites = 6;
  std::atomic<int> returned{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  for (int i = 0; i < kWrites; ++i) {
    writers.emplace_back([&, i] {
      reg::Enterprise e;
      if (!CreateEnterprise(0, 300000 + i * 20, &e).ok()) {
        ++failures;
      }
      ++returned;
    });
  }
  // Every write committed and waits for its number (a write that waited
  // for a thread would first need another to give up on the feed, 5 s).
  ASSERT_TRUE(testing::WaitFor([&] { return unnumbered() == waiting_before + kWrites; },
                               std::chrono::seconds(60)));
  EXPECT_EQ(returned, 0);
  reg::GetUnitRequest get;
  get.set_name("units/002");
  reg::Unit unit;
  grpc::ClientContext ctx;
  Deadline(ctx);
  EXPECT_TRUE(Registry(0)->GetUnit(&ctx, get, &unit).ok());
  EXPECT_EQ(unit.name(), "units/002");

  ASSERT_TRUE((*hold)->Release().ok());
  for (auto& t : writers) {
    t.join();
  }
  EXPECT_EQ(failures, 0);
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

// A client that retries through another replica before its first call was
// answered: both calls carry one request_id, race on one database, and get
// one answer; one organization is founded. (The loser of the race, having
// run after the winner committed, finds the organization founded and is
// answered from what the winner stored.)
TEST_F(RegistryReplicasTest, RacingCallsWithOneRequestIdFoundOnce) {
  constexpr int kRounds = 10;
  for (int round = 0; round < kRounds; ++round) {
    reg::Enterprise e;
    ASSERT_TRUE(CreateEnterprise(round % 2, 910000 + round * 20, &e).ok());
    reg::Organization founded[2];
    const std::string request_id = "replicas-retry-" + e.enterprise_code();
    const testing::RaceOutcome race = testing::RaceReplicas(2, [&](int replica) {
      return FoundParty(replica, e.enterprise_code(), request_id, &founded[replica]);
    });
    ASSERT_EQ(race.ok, 2) << "round " << round;
    EXPECT_FALSE(founded[0].name().empty());
    EXPECT_EQ(founded[0].name(), founded[1].name()) << "round " << round;
    reg::ListOrganizationsRequest list;
    list.set_parent(e.name());
    reg::ListOrganizationsResponse organizations;
    grpc::ClientContext ctx;
    Deadline(ctx);
    ASSERT_TRUE(Registry(0)->ListOrganizations(&ctx, list, &organizations).ok());
    ASSERT_EQ(organizations.organizations_size(), 1) << "round " << round;
    EXPECT_EQ(organizations.organizations(0).name(), founded[0].name());
  }
}

// The same for an admission, which nothing else makes unique: both calls
// write, the loser's claim of the request id finds the winner's (on a
// retry after a serialization failure, or at once), it is rolled back and
// answered with the winner's admission.
TEST_F(RegistryReplicasTest, RacingAdmissionsWithOneRequestIdAdmitOnce) {
  reg::Enterprise e;
  ASSERT_TRUE(CreateEnterprise(0, 950000, &e).ok());
  constexpr int kRounds = 10;
  for (int round = 0; round < kRounds; ++round) {
    reg::Admission admitted[2];
    const testing::RaceOutcome race = testing::RaceReplicas(2, [&](int replica) {
      reg::CreateAdmissionRequest r;
      r.set_parent(e.name());
      r.set_request_id("replicas-admission-" + std::to_string(round));
      r.mutable_admission()->set_admission_date("2013-07-01");
      r.mutable_admission()->set_count(round + 1);
      r.mutable_admission()->set_decision_number("QĐ-KN-" + std::to_string(round));
      grpc::ClientContext ctx;
      Deadline(ctx);
      return Registry(replica)->CreateAdmission(&ctx, r, &admitted[replica]);
    });
    ASSERT_EQ(race.ok, 2) << "round " << round;
    EXPECT_EQ(admitted[0].name(), admitted[1].name()) << "round " << round;
  }
  reg::ListAdmissionsRequest list;
  list.set_parent(e.name());
  list.set_page_size(100);
  reg::ListAdmissionsResponse admissions;
  grpc::ClientContext ctx;
  Deadline(ctx);
  ASSERT_TRUE(Registry(1)->ListAdmissions(&ctx, list, &admissions).ok());
  EXPECT_EQ(admissions.admissions_size(), kRounds);
}

// Two founders of one kind in one enterprise, one on each replica, at
// once: the database holds the rule — one is founded, the other refused
// with ORGANIZATION_EXISTS.
TEST_F(RegistryReplicasTest, RacingFoundersOfOneKindOneWins) {
  constexpr int kRounds = 10;
  for (int round = 0; round < kRounds; ++round) {
    reg::Enterprise e;
    ASSERT_TRUE(CreateEnterprise(round % 2, 930000 + round * 20, &e).ok());
    grpc::Status answers[2];
    testing::RaceReplicas(2, [&](int replica) {
      answers[replica] = FoundParty(replica, e.enterprise_code());
      return answers[replica];
    });
    const int winner = answers[0].ok() ? 0 : 1;
    ASSERT_TRUE(answers[winner].ok())
        << "round " << round << ": " << answers[winner].error_message();
    const grpc::Status& loser = answers[1 - winner];
    ASSERT_EQ(loser.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
        << "round " << round << ": " << loser.error_message();
    EXPECT_NE(loser.error_message().find("active organization"), std::string::npos);
  }
}

}  // namespace
}  // namespace chitieu

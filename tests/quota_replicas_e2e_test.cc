// Two replicas of the quota service on one PostgreSQL database (Debian's
// PostgreSQL 15, started by the test): concurrent revisions of one target
// with the same etag — exactly one wins each round, none is lost; writes
// through both replicas at once — one change feed, gap-free, in commit
// order, the same from either replica, and a live follower of one replica
// woken by writes made through the other.

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "chitieu/quota/v1/quota.grpc.pb.h"
#include "tests/support/postgres.h"
#include "tests/support/race.h"
#include "tests/support/service_process.h"

namespace chitieu {
namespace {

namespace pb = ::chitieu::quota::v1;
using ::chitieu::testing::ServiceProcess;

class QuotaReplicasTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    postgres_ = new testing::PostgresServer();
    ASSERT_TRUE(postgres_->Start()) << postgres_->error();
    dir_ = new testing::TempDir();
    std::filesystem::create_directories(dir_->path() + "/registry");
    registry_ = new ServiceProcess("chitieu-registry", dir_->path() + "/registry");
    ASSERT_TRUE(registry_->Start()) << registry_->error();
    ASSERT_EQ(testing::RunTool(
                  "chitieu-seed",
                  {"--registry_addr=" + registry_->address(), "--quota_addr=", "--scenario=false"},
                  dir_->path() + "/seed.log"),
              0);
    const std::string url = postgres_->Url("quota");
    for (int i = 0; i < 2; ++i) {
      const std::string data = dir_->path() + "/quota-" + std::to_string(i);
      std::filesystem::create_directories(data);
      replicas_[i] =
          new ServiceProcess("chitieu-quota", data,
                             {"--registry_addr=" + registry_->address(), "--database_url=" + url});
      ASSERT_TRUE(replicas_[i]->Start()) << replicas_[i]->error();
    }
  }
  static void TearDownTestSuite() {
    for (auto* r : replicas_) {
      delete r;
    }
    delete registry_;
    delete dir_;
    delete postgres_;
  }

  static std::unique_ptr<pb::QuotaService::Stub> Stub(int replica) {
    return pb::QuotaService::NewStub(replicas_[replica]->channel());
  }
  static void Deadline(grpc::ClientContext& ctx) {
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  }
  static grpc::Status Create(int replica, int year, type::v1::Indicator indicator,
                             pb::Target* out) {
    pb::CreateTargetRequest r;
    r.set_parent("units/002");
    r.mutable_target()->set_year(year);
    r.mutable_target()->set_indicator(indicator);
    r.mutable_target()->set_assigner("units/01");
    r.mutable_target()->set_assignee("units/002");
    r.mutable_target()->set_value(1);
    grpc::ClientContext ctx;
    Deadline(ctx);
    return Stub(replica)->CreateTarget(&ctx, r, out);
  }

  // The newest sequence in the feed, as `replica` serves it.
  static int64_t FeedHead(int replica) {
    pb::StreamChangesRequest r;
    r.set_no_follow(true);
    grpc::ClientContext ctx;
    Deadline(ctx);
    auto reader = Stub(replica)->StreamChanges(&ctx, r);
    pb::StreamChangesResponse c;
    int64_t head = 0;
    while (reader->Read(&c)) {
      head = c.sequence();
    }
    EXPECT_TRUE(reader->Finish().ok());
    return head;
  }

  static testing::PostgresServer* postgres_;
  static testing::TempDir* dir_;
  static ServiceProcess* registry_;
  static ServiceProcess* replicas_[2];
};

testing::PostgresServer* QuotaReplicasTest::postgres_ = nullptr;
testing::TempDir* QuotaReplicasTest::dir_ = nullptr;
ServiceProcess* QuotaReplicasTest::registry_ = nullptr;
ServiceProcess* QuotaReplicasTest::replicas_[2] = {nullptr, nullptr};

TEST_F(QuotaReplicasTest, RacingRevisionsWithOneEtagLoseNothing) {
  pb::Target target;
  ASSERT_TRUE(Create(0, 2030, type::v1::INDICATOR_NEW_PARTY_MEMBERS, &target).ok());
  constexpr int kRounds = 15;
  for (int round = 0; round < kRounds; ++round) {
    // Both replicas revise the same version at once.
    const testing::RaceOutcome race = testing::RaceReplicas(2, [&](int replica) {
      pb::UpdateTargetRequest u;
      *u.mutable_target() = target;
      u.mutable_target()->set_value(target.value() + 1);
      u.mutable_update_mask()->add_paths("value");
      u.set_reason("round " + std::to_string(round) + " via replica " + std::to_string(replica));
      pb::Target out;
      grpc::ClientContext ctx;
      Deadline(ctx);
      return Stub(replica)->UpdateTarget(&ctx, u, &out);
    });
    ASSERT_EQ(race.ok, 1) << "round " << round;
    ASSERT_EQ(race.aborted, 1) << "round " << round;
    pb::GetTargetRequest g;
    g.set_name(target.name());
    grpc::ClientContext ctx;
    Deadline(ctx);
    ASSERT_TRUE(Stub(round % 2)->GetTarget(&ctx, g, &target).ok());
  }
  EXPECT_EQ(target.value(), 1 + kRounds);
  pb::ListTargetRevisionsRequest h;
  h.set_parent(target.name());
  h.set_page_size(100);
  pb::ListTargetRevisionsResponse history;
  grpc::ClientContext ctx;
  Deadline(ctx);
  ASSERT_TRUE(Stub(1)->ListTargetRevisions(&ctx, h, &history).ok());
  EXPECT_EQ(history.revisions_size(), kRounds);
}

TEST_F(QuotaReplicasTest, OneFeedGapFreeAcrossReplicasAndLiveFollowersWoken) {
  // A live follower of replica 1, from the current head.
  const int64_t head = FeedHead(1);
  constexpr int kEach = 12;
  std::atomic<int> followed{0};
  std::atomic<bool> follower_ordered{true};
  grpc::ClientContext follow_ctx;
  Deadline(follow_ctx);
  std::thread follower([&] {
    pb::StreamChangesRequest r;
    r.set_after_sequence(head);
    auto reader = Stub(1)->StreamChanges(&follow_ctx, r);
    pb::StreamChangesResponse c;
    int64_t expected = head + 1;
    while (followed < 2 * kEach && reader->Read(&c)) {
      follower_ordered = follower_ordered && c.sequence() == expected;
      ++expected;
      ++followed;
    }
    follow_ctx.TryCancel();
  });
  // Writes through both replicas at once (each through replica 0 only
  // reaches replica 1's follower by NOTIFY).
  std::vector<std::thread> writers;
  std::atomic<int> failures{0};
  for (int replica = 0; replica < 2; ++replica) {
    writers.emplace_back([&, replica] {
      for (int i = 0; i < kEach; ++i) {
        pb::Target out;
        // Distinct targets: a year each, an indicator per replica.
        const auto indicator = replica == 0 ? type::v1::INDICATOR_NEW_TRADE_UNIONS
                                            : type::v1::INDICATOR_NEW_YOUTH_UNIONS;
        if (!Create(replica, 2001 + i, indicator, &out).ok()) {
          ++failures;
        }
      }
    });
  }
  for (auto& t : writers) {
    t.join();
  }
  follower.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(followed, 2 * kEach);
  EXPECT_TRUE(follower_ordered);
  // Read back from either replica: the same feed, sequences contiguous.
  std::vector<int64_t> seen[2];
  for (int replica = 0; replica < 2; ++replica) {
    pb::StreamChangesRequest r;
    r.set_after_sequence(head);
    r.set_no_follow(true);
    grpc::ClientContext ctx;
    Deadline(ctx);
    auto reader = Stub(replica)->StreamChanges(&ctx, r);
    pb::StreamChangesResponse c;
    while (reader->Read(&c)) {
      seen[replica].push_back(c.sequence());
    }
    ASSERT_TRUE(reader->Finish().ok());
  }
  EXPECT_EQ(seen[0], seen[1]);
  ASSERT_EQ(seen[0].size(), 2u * kEach);
  for (size_t i = 0; i < seen[0].size(); ++i) {
    EXPECT_EQ(seen[0][i], head + 1 + int64_t(i));
  }
}

TEST_F(QuotaReplicasTest, AFollowerOfOneReplicaIsWokenByWritesThroughTheOther) {
  // Only replica 0 writes; the follower is on replica 1, whose own
  // ChangeNotifier hears of the commits only through NOTIFY.
  const int64_t head = FeedHead(1);
  grpc::ClientContext follow_ctx;
  Deadline(follow_ctx);
  pb::StreamChangesRequest r;
  r.set_after_sequence(head);
  auto follower = Stub(1)->StreamChanges(&follow_ctx, r);
  for (int i = 0; i < 3; ++i) {
    pb::Target out;
    ASSERT_TRUE(Create(0, 2020 + i, type::v1::INDICATOR_NEW_PARTY_ORGANIZATIONS, &out).ok());
    pb::StreamChangesResponse c;
    ASSERT_TRUE(follower->Read(&c)) << "the follower on replica 1 was not woken";
    EXPECT_EQ(c.sequence(), head + 1 + i);
  }
  follow_ctx.TryCancel();
}

}  // namespace
}  // namespace chitieu

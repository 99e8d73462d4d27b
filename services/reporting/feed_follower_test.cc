// The feed follower against a real registry service in process: a catch-up
// through StreamChangeBatches, a catch-up that stops at a sequence inside a
// message, following live a message a transaction, a source too old to have
// StreamChangeBatches, and one that refuses it for following live.

#include "services/reporting/feed_follower.h"

#include <gtest/gtest.h>

#include <atomic>

#include "libs/common/feed.h"
#include "services/registry/registry.h"
#include "services/registry/registry_service.h"
#include "services/registry/registry_store_sql.h"
#include "services/registry/tax_code.h"
#include "services/reporting/reporting_store_sql.h"
#include "tests/support/postgres.h"
#include "tests/support/wait.h"

namespace chitieu::reporting {
namespace {

namespace pb = ::chitieu::registry::v1;

// Which feeds a source serves in batches: every one (today's registry),
// none (a registry from before StreamChangeBatches: one change a message),
// or catching up only (refused live: a source downgraded between a
// follower's catch-up and its live stream).
enum class Batches { kAll, kNone, kCatchingUpOnly };

// The registry's feed as a source of each kind serves it, counting the
// streams opened.
class Source : public pb::RegistryService::WithRawCallbackMethod_StreamChangeBatches<
                   pb::RegistryService::CallbackService> {
 public:
  Source(registry::RegistryService* current, Batches batches)
      : current_(current), batches_(batches) {}
  grpc::ServerWriteReactor<pb::StreamChangesResponse>* StreamChanges(
      grpc::CallbackServerContext* c, const pb::StreamChangesRequest* r) override {
    ++streams_;
    return current_->StreamChanges(c, r);
  }
  grpc::ServerWriteReactor<grpc::ByteBuffer>* StreamChangeBatches(
      grpc::CallbackServerContext* c, const grpc::ByteBuffer* raw) override {
    pb::StreamChangeBatchesRequest r;
    const bool live = ParseFeedRequest(*raw, &r).ok() && !r.no_follow();
    if (batches_ == Batches::kNone || (batches_ == Batches::kCatchingUpOnly && live)) {
      return new RefusedStream<grpc::ByteBuffer>(absl::UnimplementedError("StreamChangeBatches"));
    }
    ++(live ? live_batches_ : batches_caught_up_);
    return current_->StreamChangeBatches(c, raw);
  }
  int streams() const { return streams_; }
  int live_batches() const { return live_batches_; }
  int batches_caught_up() const { return batches_caught_up_; }

 private:
  registry::RegistryService* current_;
  const Batches batches_;
  std::atomic<int> streams_{0};
  std::atomic<int> live_batches_{0};
  std::atomic<int> batches_caught_up_{0};
};

class FeedFollowerTest : public ::testing::TestWithParam<Batches> {
 protected:
  static constexpr int kEnterprises = 2300;

  void SetUp() override {
    auto opened = registry::SqlRegistryStore::Open(":memory:", &notifier_);
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = std::move(*opened);
    registry_ = std::make_unique<registry::Registry>(store_.get(),
                                                     [] { return absl::CivilDay(2014, 1, 13); });
    service_ =
        std::make_unique<registry::RegistryService>(registry_.get(), store_.get(), &notifier_);
    source_ = std::make_unique<Source>(service_.get(), GetParam());
    grpc::ServerBuilder builder;
    builder.RegisterService(source_.get());
    server_ = builder.BuildAndStart();
    channel_ = server_->InProcessChannel(grpc::ChannelArguments());
    Fill();
  }

  void TearDown() override {
    notifier_.Shutdown();
    server_->Shutdown();
  }

  // A province and kEnterprises enterprises: sequences 1 … kEnterprises + 1.
  void Fill() {
    pb::CreateUnitRequest unit;
    unit.mutable_unit()->set_name("units/01");
    unit.mutable_unit()->set_display_name("Hà Nội");
    unit.mutable_unit()->set_level(pb::UNIT_LEVEL_PROVINCE);
    unit.mutable_unit()->set_open_date("2008-08-01");
    ASSERT_TRUE(registry_->CreateUnit(unit).ok());
    Import(kEnterprises);
  }

  // `n` more enterprises in one transaction: the next n sequences.
  void Import(int n) {
    pb::ImportEnterprisesRequest batch;
    for (int& seq = next_code_; batch.enterprises_size() < n; ++seq) {
      if (registry::MakeEnterpriseCode(1, seq).empty()) {
        continue;
      }
      auto* e = batch.add_enterprises();
      e->set_enterprise_code(registry::MakeEnterpriseCode(1, seq));
      e->set_display_name("DN " + std::to_string(seq));
      e->set_legal_form(type::v1::LEGAL_FORM_PRIVATE_ENTERPRISE);
      e->set_sector(type::v1::SECTOR_NON_STATE);
      e->set_seat_unit("units/01");
      e->set_registration_date("2012-01-01");
    }
    auto results = registry_->ImportRows(batch.enterprises(), 1, "test");
    ASSERT_TRUE(results.ok()) << results.status();
    registry_->FinishImport();
    for (const auto& r : *results) {
      ASSERT_EQ(r.outcome(), pb::IMPORT_OUTCOME_CREATED) << r.ShortDebugString();
    }
  }

  // A fresh model.
  std::unique_ptr<SqlReportingStore> Model() {
    auto opened = SqlReportingStore::Open(":memory:");
    EXPECT_TRUE(opened.ok()) << opened.status();
    return opened.ok() ? std::move(*opened) : nullptr;
  }

  // Enterprises of the model with a status on 13 January 2014 (each has
  // one period, active since 2012).
  static int64_t EnterprisesIn(SqlReportingStore& model) {
    auto counts = model.StatusCounts("01", "2014-01-13");
    EXPECT_TRUE(counts.ok()) << counts.status();
    int64_t n = 0;
    for (const auto& [status, count] : counts.ok() ? *counts : CountsByStatus()) {
      n += count;
    }
    return n;
  }

  int next_code_ = 1;  // Of tax codes (MakeEnterpriseCode).
  ChangeNotifier notifier_;
  std::unique_ptr<registry::SqlRegistryStore> store_;
  std::unique_ptr<registry::Registry> registry_;
  std::unique_ptr<registry::RegistryService> service_;
  std::unique_ptr<Source> source_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  FeedHealth health_;
};

TEST_P(FeedFollowerTest, CatchesUpWholeAndStopsWhereAsked) {
  auto model = Model();
  ASSERT_NE(model, nullptr);
  Followers feeds(channel_, channel_, model.get(), &health_, 500);
  // Up to a sequence inside a message: nothing past it is applied.
  ASSERT_TRUE(feeds.registry.CatchUpTo(1234, absl::Seconds(30)).ok());
  EXPECT_EQ(model->GetCursor(kRegistrySource)->sequence, 1234);
  EXPECT_EQ(EnterprisesIn(*model), 1233);
  ASSERT_TRUE(feeds.registry.CatchUp().ok());
  EXPECT_EQ(model->GetCursor(kRegistrySource)->sequence, kEnterprises + 1);
  EXPECT_EQ(EnterprisesIn(*model), kEnterprises);
  // Already there: nothing is read.
  ASSERT_TRUE(feeds.registry.CatchUpTo(kEnterprises + 1, absl::Seconds(30)).ok());
  EXPECT_EQ(model->GetCursor(kRegistrySource)->sequence, kEnterprises + 1);
  if (GetParam() == Batches::kNone) {
    // The older source: StreamChanges only (the refused StreamChangeBatches
    // tried once, then remembered).
    EXPECT_EQ(source_->streams(), 2);
  } else {
    EXPECT_EQ(source_->streams(), 0);
    EXPECT_EQ(source_->batches_caught_up(), 2);
  }
}

// Following live, each message the source sends is one transaction: an
// import of 700 enterprises (one commit) comes in a message or a few, not
// 700 (an older source's feed: a change a message, a transaction each).
TEST_P(FeedFollowerTest, FollowsLiveAMessageATransaction) {
  auto model = Model();
  ASSERT_NE(model, nullptr);
  std::atomic<int> transactions{0};
  RegistryFollower follower(
      kRegistrySource, channel_,
      [&](absl::Span<const pb::StreamChangesResponse* const> changes) {
        ++transactions;
        return model->ApplyRegistry(changes);
      },
      model.get(), &health_, 500);
  auto reaches = [&](int64_t sequence) {
    return testing::WaitFor(
        [&] {
          auto cursor = model->GetCursor(kRegistrySource);
          return cursor.ok() && cursor->sequence >= sequence;
        },
        std::chrono::seconds(60));
  };
  follower.Start();
  ASSERT_TRUE(reaches(kEnterprises + 1));
  // Caught up and following (the stream open): what is written now comes
  // live.
  ASSERT_TRUE(testing::WaitFor([&] { return health_.connected(kRegistrySource); },
                               std::chrono::seconds(60)));
  const int before = transactions.load();
  Import(700);
  ASSERT_TRUE(reaches(kEnterprises + 701));
  EXPECT_EQ(EnterprisesIn(*model), kEnterprises + 700);
  const int live = transactions.load() - before;
  if (GetParam() == Batches::kAll) {
    // One live stream (no reconnect, whose catch-up would batch too).
    EXPECT_EQ(source_->live_batches(), 1);
    EXPECT_EQ(source_->streams(), 0);
    EXPECT_GE(live, 1);
    EXPECT_LE(live, 10);
  } else {
    // Refused live, the follower follows StreamChanges: a change a
    // transaction.
    EXPECT_EQ(source_->live_batches(), 0);
    EXPECT_EQ(source_->streams(), GetParam() == Batches::kNone ? 2 : 1);
    EXPECT_EQ(live, 700);
  }
  follower.Stop();
}

INSTANTIATE_TEST_SUITE_P(Sources, FeedFollowerTest,
                         ::testing::Values(Batches::kAll, Batches::kNone, Batches::kCatchingUpOnly),
                         [](const auto& info) {
                           switch (info.param) {
                             case Batches::kAll:
                               return std::string("Current");
                             case Batches::kNone:
                               return std::string("Older");
                             case Batches::kCatchingUpOnly:
                               return std::string("DowngradedBeforeFollowing");
                           }
                           return std::string();
                         });

}  // namespace
}  // namespace chitieu::reporting

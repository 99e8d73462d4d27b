// The feed follower against a real registry service in process: a catch-up
// through StreamChangeBatches, a catch-up that stops at a sequence inside a
// message, and a source too old to have StreamChangeBatches.

#include "services/reporting/feed_follower.h"

#include <gtest/gtest.h>

#include <atomic>

#include "services/registry/registry.h"
#include "services/registry/registry_service.h"
#include "services/registry/registry_store_sql.h"
#include "services/registry/tax_code.h"
#include "services/reporting/reporting_store_sql.h"
#include "tests/support/postgres.h"

namespace chitieu::reporting {
namespace {

namespace pb = ::chitieu::registry::v1;

// A registry from before StreamChangeBatches: its feed one change a message.
class OlderRegistry : public pb::RegistryService::CallbackService {
 public:
  explicit OlderRegistry(registry::RegistryService* current) : current_(current) {}
  grpc::ServerWriteReactor<pb::StreamChangesResponse>* StreamChanges(
      grpc::CallbackServerContext* c, const pb::StreamChangesRequest* r) override {
    ++streams_;
    return current_->StreamChanges(c, r);
  }
  int streams() const { return streams_; }

 private:
  registry::RegistryService* current_;
  std::atomic<int> streams_{0};
};

class FeedFollowerTest : public ::testing::TestWithParam<bool> {
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
    older_ = std::make_unique<OlderRegistry>(service_.get());
    grpc::ServerBuilder builder;
    if (GetParam()) {
      builder.RegisterService(older_.get());
    } else {
      builder.RegisterService(service_.get());
    }
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
    pb::ImportEnterprisesRequest batch;
    for (int seq = 1; batch.enterprises_size() < kEnterprises; ++seq) {
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

  ChangeNotifier notifier_;
  std::unique_ptr<registry::SqlRegistryStore> store_;
  std::unique_ptr<registry::Registry> registry_;
  std::unique_ptr<registry::RegistryService> service_;
  std::unique_ptr<OlderRegistry> older_;
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
  if (GetParam()) {
    // The older source: StreamChanges only (the refused StreamChangeBatches
    // tried once, then remembered).
    EXPECT_EQ(older_->streams(), 2);
  }
}

INSTANTIATE_TEST_SUITE_P(Sources, FeedFollowerTest, ::testing::Values(false, true),
                         [](const auto& info) {
                           return info.param ? std::string("Older") : std::string("Current");
                         });

}  // namespace
}  // namespace chitieu::reporting

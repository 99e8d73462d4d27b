// Tests of ReadAtRest: reads of the read model while another process
// sharing it (a reporting replica) applies a batch between them come out
// as one state, on both backends.

#include "services/reporting/consistent_read.h"

#include <gtest/gtest.h>

#include <thread>

#include "services/reporting/reporting_store_sql.h"
#include "tests/support/postgres.h"
#include "tests/support/service_process.h"

namespace chitieu::reporting {
namespace {

namespace reg = ::chitieu::registry::v1;

class ConsistentReadTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    // A file, not ":memory:", on SQLite: the other replica opens it too.
    const std::string location = GetParam() == "sqlite"
                                     ? dir_.path() + "/reporting.db"
                                     : testing::TestStoreLocation(GetParam(), "consistent");
    auto opened = SqlReportingStore::Open(location);
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = std::move(*opened);
    auto other = SqlReportingStore::Open(location);
    ASSERT_TRUE(other.ok()) << other.status();
    other_ = std::move(*other);
    Apply(Unit("01", ""));
    Apply(Unit("002", "01"));
  }

  static reg::StreamChangesResponse Unit(const std::string& code, const std::string& parent) {
    reg::StreamChangesResponse c;
    c.mutable_unit()->set_name("units/" + code);
    if (!parent.empty()) {
      c.mutable_unit()->set_parent("units/" + parent);
    }
    c.mutable_unit()->set_display_name("Đơn vị " + code);
    return c;
  }
  // Trade unions founded in 2013 beneath Hoàn Kiếm, as the model counts them.
  int64_t TradeUnions() {
    auto achieved = store_->AchievedIn("002", 2013);
    EXPECT_TRUE(achieved.ok()) << achieved.status();
    auto it = achieved->organizations_by_kind.find(type::v1::ORGANIZATION_KIND_TRADE_UNION);
    return it == achieved->organizations_by_kind.end() ? 0 : it->second;
  }
  int64_t Records() {
    auto rows = store_->CountedIn("002", 2013);
    EXPECT_TRUE(rows.ok()) << rows.status();
    return static_cast<int64_t>(rows->size());
  }
  // What the other replica's feed follower does: one batch, the cursor
  // moved with it.
  void Apply(reg::StreamChangesResponse c, SqlReportingStore* via = nullptr) {
    c.set_sequence(++sequence_);
    ASSERT_TRUE((via != nullptr ? via : other_.get())->ApplyRegistry({c}).ok());
  }
  void FoundTradeUnion(int id, SqlReportingStore* via = nullptr) {
    reg::StreamChangesResponse c;
    auto* o = c.mutable_organization();
    o->set_name("enterprises/0100233488/organizations/" + std::to_string(id));
    o->set_kind(type::v1::ORGANIZATION_KIND_TRADE_UNION);
    o->set_founding_date("2013-05-01");
    o->set_seat_unit("units/002");
    o->set_recorded_by("user:test");
    Apply(c, via);
  }

  testing::TempDir dir_;
  std::unique_ptr<SqlReportingStore> store_;  // This replica's.
  std::unique_ptr<SqlReportingStore> other_;  // Another replica's, on the same model.
  int64_t sequence_ = 0;
};

TEST_P(ConsistentReadTest, AnAttemptABatchLandedInIsReadAgain) {
  int attempts = 0;
  int64_t counted = -1, records = -1;
  auto at = ReadAtRest(*store_, [&]() -> absl::Status {
    ++attempts;
    counted = TradeUnions();
    if (attempts == 1) {
      FoundTradeUnion(1);  // The other replica commits between the two reads.
    }
    records = Records();
    return absl::OkStatus();
  });
  ASSERT_TRUE(at.ok()) << at.status();
  EXPECT_EQ(attempts, 2);
  // The first attempt saw 0 trade unions beside 1 record; the one kept
  // saw both at the batch's position.
  EXPECT_EQ(counted, 1);
  EXPECT_EQ(records, 1);
  EXPECT_EQ(at->registry, sequence_);
  EXPECT_EQ(at->quota, 0);
}

TEST_P(ConsistentReadTest, ThisProcesssFollowersWaitForARetriedRead) {
  int attempts = 0;
  int64_t counted = -1;
  std::thread follower;
  auto at = ReadAtRest(*store_, [&]() -> absl::Status {
    ++attempts;
    if (attempts == 1) {
      FoundTradeUnion(1, store_.get());  // The first attempt holds nothing.
    } else {
      // The retry holds this process's followers off: this one applies
      // only once the read is done.
      follower = std::thread([&] { FoundTradeUnion(2, store_.get()); });
    }
    counted = TradeUnions();
    return absl::OkStatus();
  });
  follower.join();
  ASSERT_TRUE(at.ok()) << at.status();
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(counted, 1);
  EXPECT_EQ(at->registry, sequence_ - 1);
  EXPECT_EQ(TradeUnions(), 2);
}

TEST_P(ConsistentReadTest, AQuietModelIsReadOnce) {
  FoundTradeUnion(1);
  int attempts = 0;
  auto at = ReadAtRest(*store_, [&] {
    ++attempts;
    return absl::OkStatus();
  });
  ASSERT_TRUE(at.ok()) << at.status();
  EXPECT_EQ(attempts, 1);
  EXPECT_EQ(at->registry, 3);
}

TEST_P(ConsistentReadTest, AModelThatNeverRestsIsUnavailableAndAnErrorIsPassedOn) {
  int attempts = 0;
  auto moving = ReadAtRest(
      *store_,
      [&] {
        FoundTradeUnion(++attempts);
        return absl::OkStatus();
      },
      3);
  EXPECT_EQ(moving.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(attempts, 3);

  auto failed = ReadAtRest(*store_, [] { return absl::NotFoundError("units/404"); });
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kNotFound);
}

INSTANTIATE_TEST_SUITE_P(Backends, ConsistentReadTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace chitieu::reporting

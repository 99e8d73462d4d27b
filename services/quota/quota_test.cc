// Domain tests: the quota rules over a real in-memory store and a fake
// registry directory, with a fixed "today".

#include "services/quota/quota.h"

#include <gtest/gtest.h>

#include "libs/common/errors.h"
#include "services/quota/quota_store_sql.h"
#include "tests/support/fake_registry_lookup.h"
#include "tests/support/postgres.h"

namespace chitieu::quota {

namespace {

using ::chitieu::type::v1::INDICATOR_NEW_PARTY_ORGANIZATIONS;
using ::chitieu::type::v1::INDICATOR_NEW_TRADE_UNIONS;

std::string Field(const absl::Status& s) {
  auto v = GetFieldViolations(s);
  return v.empty() ? "" : v[0].first;
}

// Every domain test runs on both backends: SQLite and PostgreSQL.
class QuotaTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto opened = SqlQuotaStore::Open(testing::TestStoreLocation(GetParam(), "quota"), &notifier_);
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = std::move(*opened);
    quota_ =
        std::make_unique<Quota>(store_.get(), &units_, [] { return absl::CivilDay(2013, 3, 1); });
    units_.AddUnit("01", "");
    units_.AddUnit("002", "01");
    units_.AddUnit("003", "01");
    units_.AddUnit("00037", "002");
    units_.AddUnit("00040", "002");
    units_.AddBody("hk-block-party", "002");
    units_.AddBody("th-block-party", "003");
  }

  pb::CreateTargetRequest Assign(
      const std::string& assigner, const std::string& assignee, int value, int year = 2013,
      type::v1::Indicator indicator = INDICATOR_NEW_PARTY_ORGANIZATIONS) {
    pb::CreateTargetRequest r;
    std::string home = assignee.rfind("bodies/hk", 0) == 0   ? "units/002"
                       : assignee.rfind("bodies/th", 0) == 0 ? "units/003"
                                                             : assignee;
    r.set_parent(home);
    r.mutable_target()->set_year(year);
    r.mutable_target()->set_indicator(indicator);
    r.mutable_target()->set_assigner(assigner);
    r.mutable_target()->set_assignee(assignee);
    r.mutable_target()->set_value(value);
    return r;
  }

  int64_t FeedLength() { return *store_->LastSequence(); }

  ChangeNotifier notifier_;
  FakeRegistryLookup units_;
  std::unique_ptr<QuotaStore> store_;
  std::unique_ptr<Quota> quota_;
};

TEST_P(QuotaTest, CityAssignsDistrictSubAllocates) {
  auto city = quota_->CreateTarget(Assign("units/01", "units/002", 6));
  ASSERT_TRUE(city.ok()) << city.status();
  EXPECT_EQ(city->name(), "units/002/targets/1");
  EXPECT_TRUE(city->parent_target().empty());
  auto ward = quota_->CreateTarget(Assign("units/002", "units/00037", 2));
  ASSERT_TRUE(ward.ok()) << ward.status();
  EXPECT_EQ(ward->parent_target(), city->name());  // Linked to the district's own target.
  auto body = quota_->CreateTarget(Assign("units/002", "bodies/hk-block-party", 3));
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_EQ(body->name().rfind("units/002/targets/", 0), 0u);

  pb::GetTargetAllocationRequest a;
  a.set_name(city->name() + "/allocation");
  auto allocation = quota_->GetTargetAllocation(a);
  ASSERT_TRUE(allocation.ok());
  EXPECT_EQ(allocation->allocated(), 5);
  EXPECT_EQ(allocation->remainder(), 1);
  EXPECT_FALSE(allocation->over_allocated());
  EXPECT_EQ(allocation->sub_allocations_size(), 2);

  pb::ListTargetsRequest list;
  list.set_parent("units/002");
  list.set_year(2013);
  list.set_filter("assigner = \"units/01\"");
  auto listed = quota_->ListTargets(list);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->targets_size(), 1);
  EXPECT_EQ(listed->targets(0).value(), 6);
}

TEST_P(QuotaTest, OverAllocationOnlyWithTheFlagAndAlwaysVisible) {
  auto city = quota_->CreateTarget(Assign("units/01", "units/002", 6));
  ASSERT_TRUE(quota_->CreateTarget(Assign("units/002", "units/00037", 4)).ok());
  const int64_t before = FeedLength();
  auto over = quota_->CreateTarget(Assign("units/002", "units/00040", 3));
  EXPECT_EQ(over.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Field(over.status()), "target.value");
  EXPECT_EQ(GetReason(over.status()), "OVER_ALLOCATION");
  EXPECT_EQ(FeedLength(), before);
  auto req = Assign("units/002", "units/00040", 3);
  req.set_allow_over_allocation(true);
  ASSERT_TRUE(quota_->CreateTarget(req).ok());
  pb::GetTargetAllocationRequest a;
  a.set_name(city->name() + "/allocation");
  auto allocation = quota_->GetTargetAllocation(a);
  EXPECT_TRUE(allocation->over_allocated());
  EXPECT_EQ(allocation->remainder(), -1);
}

TEST_P(QuotaTest, RevisionsKeepHistory) {
  auto t = quota_->CreateTarget(Assign("units/01", "units/002", 5));
  pb::UpdateTargetRequest u;
  *u.mutable_target() = *t;
  u.mutable_target()->set_value(6);
  u.mutable_update_mask()->add_paths("value");
  auto missing_reason = quota_->UpdateTarget(u, "city-officer");
  EXPECT_EQ(Field(missing_reason.status()), "reason");
  u.set_reason("Kết luận của Thường trực Thành ủy");
  auto revised = quota_->UpdateTarget(u, "city-officer");
  ASSERT_TRUE(revised.ok()) << revised.status();
  EXPECT_EQ(revised->value(), 6);
  auto stale = quota_->UpdateTarget(u, "city-officer");  // Old etag.
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted);
  pb::ListTargetRevisionsRequest h;
  h.set_parent(t->name());
  auto history = quota_->ListTargetRevisions(h);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->revisions_size(), 1);
  EXPECT_EQ(history->revisions(0).old_value(), 5);
  EXPECT_EQ(history->revisions(0).new_value(), 6);
  EXPECT_EQ(history->revisions(0).revised_by(), "city-officer");
  EXPECT_EQ(history->revisions(0).reason(), "Kết luận của Thường trực Thành ủy");
}

TEST_P(QuotaTest, LoweringBelowSubAllocationsNeedsTheFlag) {
  auto city = quota_->CreateTarget(Assign("units/01", "units/002", 6));
  ASSERT_TRUE(quota_->CreateTarget(Assign("units/002", "units/00037", 5)).ok());
  pb::UpdateTargetRequest u;
  *u.mutable_target() = *city;
  u.mutable_target()->set_value(4);
  u.set_reason("giảm");
  EXPECT_EQ(quota_->UpdateTarget(u, "x").status().code(), absl::StatusCode::kFailedPrecondition);
  u.set_allow_over_allocation(true);
  EXPECT_TRUE(quota_->UpdateTarget(u, "x").ok());
}

TEST_P(QuotaTest, BadInputIsRefusedWithTheField) {
  const int64_t before = FeedLength();
  auto r = Assign("units/01", "units/002", -1);
  EXPECT_EQ(Field(quota_->CreateTarget(r).status()), "target.value");
  r = Assign("units/01", "units/002", 1, 1999);
  EXPECT_EQ(Field(quota_->CreateTarget(r).status()), "target.year");
  r = Assign("units/01", "units/002", 1, 2019);  // 2013 + 5 is the last.
  EXPECT_EQ(quota_->CreateTarget(r).status().code(), absl::StatusCode::kInvalidArgument);
  r = Assign("units/01", "units/002", 1, 2013, static_cast<type::v1::Indicator>(9));
  EXPECT_EQ(Field(quota_->CreateTarget(r).status()), "target.indicator");
  r = Assign("units/002", "units/003", 1);  // A sibling, not below.
  auto s = quota_->CreateTarget(r).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Field(s), "target.assignee");
  r = Assign("units/002", "bodies/th-block-party", 1);  // Another district's body.
  EXPECT_EQ(Field(quota_->CreateTarget(r).status()), "target.assignee");
  r = Assign("units/01", "units/404", 1);
  EXPECT_EQ(Field(quota_->CreateTarget(r).status()), "target.assignee");
  r = Assign("units/01", "units/002", 1);
  r.set_parent("units/003");
  EXPECT_EQ(Field(quota_->CreateTarget(r).status()), "parent");
  EXPECT_EQ(FeedLength(), before);
}

TEST_P(QuotaTest, RegistryDownIsUnavailableAndWritesNothing) {
  units_.down = true;
  const int64_t before = FeedLength();
  EXPECT_EQ(quota_->CreateTarget(Assign("units/01", "units/002", 6)).status().code(),
            absl::StatusCode::kUnavailable);
  pb::SetTargetsRequest set;
  set.set_assigner("units/01");
  set.set_year(2013);
  auto* row = set.add_targets();
  row->set_indicator(INDICATOR_NEW_TRADE_UNIONS);
  row->set_assignee("units/002");
  row->set_value(23);
  EXPECT_EQ(quota_->SetTargets(set, "x").status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(FeedLength(), before);
}

TEST_P(QuotaTest, SetTargetsIsAllOrNothing) {
  pb::SetTargetsRequest set;
  set.set_assigner("units/01");
  set.set_year(2013);
  for (auto [indicator, value] : std::vector<std::pair<type::v1::Indicator, int>>{
           {INDICATOR_NEW_PARTY_ORGANIZATIONS, 6}, {INDICATOR_NEW_TRADE_UNIONS, 23}}) {
    auto* row = set.add_targets();
    row->set_indicator(indicator);
    row->set_assignee("units/002");
    row->set_value(value);
  }
  auto* bad = set.add_targets();
  bad->set_indicator(INDICATOR_NEW_TRADE_UNIONS);
  bad->set_assignee("units/003");
  bad->set_value(-4);
  const int64_t before = FeedLength();
  auto refused = quota_->SetTargets(set, "x");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Field(refused.status()), "targets[2].value");
  EXPECT_EQ(FeedLength(), before);

  bad->set_value(4);
  auto done = quota_->SetTargets(set, "x");
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->targets_size(), 3);
  // Setting again with one changed value needs a reason and revises it.
  set.mutable_targets(0)->set_value(7);
  EXPECT_EQ(Field(quota_->SetTargets(set, "x").status()), "reason");
  set.set_reason("điều chỉnh");
  done = quota_->SetTargets(set, "x");
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->targets(0).value(), 7);
  EXPECT_EQ(done->targets(0).etag(), "v2");
}

TEST_P(QuotaTest, ThresholdsDefaultAndUpdate) {
  pb::GetFoundingThresholdsRequest g;
  g.set_name("foundingThresholds/2013");
  auto t = quota_->GetFoundingThresholds(g);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->party_cell_official_members(), 3);
  EXPECT_EQ(t->trade_union_members(), 5);
  EXPECT_EQ(t->youth_branch_members(), 3);
  pb::UpdateFoundingThresholdsRequest u;
  u.mutable_founding_thresholds()->set_name("foundingThresholds/2013");
  u.mutable_founding_thresholds()->set_party_cell_official_members(4);
  u.mutable_update_mask()->add_paths("party_cell_official_members");
  auto updated = quota_->UpdateFoundingThresholds(u);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->party_cell_official_members(), 4);
  EXPECT_EQ(updated->trade_union_members(), 5);
  u.mutable_founding_thresholds()->set_party_cell_official_members(0);
  EXPECT_EQ(Field(quota_->UpdateFoundingThresholds(u).status()),
            "founding_thresholds.party_cell_official_members");
  g.set_name("foundingThresholds/1990");
  EXPECT_EQ(quota_->GetFoundingThresholds(g).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_P(QuotaTest, PlansAnswerHowSoonTheDistrictActed) {
  pb::CreatePlanRequest resolution;
  resolution.set_parent("units/01");
  resolution.mutable_plan()->set_title("Nghị quyết về xây dựng tổ chức đảng, đoàn thể trong DN");
  resolution.mutable_plan()->set_document_number("09-NQ/TU");
  resolution.mutable_plan()->set_issue_date("2012-01-09");
  resolution.mutable_plan()->set_kind(pb::PLAN_KIND_RESOLUTION);
  auto r = quota_->CreatePlan(resolution);
  ASSERT_TRUE(r.ok()) << r.status();
  pb::CreatePlanRequest plan;
  plan.set_parent("units/002");
  plan.mutable_plan()->set_title("Kế hoạch thực hiện Nghị quyết 09");
  plan.mutable_plan()->set_document_number("KH-QU");
  plan.mutable_plan()->set_issue_date("2012-01-27");
  plan.mutable_plan()->set_kind(pb::PLAN_KIND_IMPLEMENTATION_PLAN);
  plan.mutable_plan()->set_implements(r->name());
  auto p = quota_->CreatePlan(plan);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(absl::CivilDay(2012, 1, 27) - absl::CivilDay(2012, 1, 9), 18);
  plan.mutable_plan()->set_issue_date("2012-01-01");
  EXPECT_EQ(Field(quota_->CreatePlan(plan).status()), "plan.issue_date");
  plan.set_parent("units/404");
  EXPECT_EQ(Field(quota_->CreatePlan(plan).status()), "parent");
}

INSTANTIATE_TEST_SUITE_P(Backends, QuotaTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace

}  // namespace chitieu::quota

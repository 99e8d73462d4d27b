// Domain and read-model tests: changes applied to an in-memory read model,
// reports computed from it.

#include "services/reporting/reporting.h"

#include <gtest/gtest.h>

#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "services/reporting/feed_health.h"
#include "services/reporting/report_documents.h"
#include "services/reporting/reporting_store_sql.h"
#include "tests/support/postgres.h"

namespace chitieu::reporting {
namespace {

namespace reg = ::chitieu::registry::v1;
namespace quo = ::chitieu::quota::v1;

// The model, except that a report's read of the registry's lag first
// applies one more change (`late`): an apply landing between a report's
// reads, as a replica sharing the model or PostgreSQL's reads statement by
// statement can have it. What the lag says is applied must be counted.
class ApplyingAtLagRead : public ReportingStore {
 public:
  ApplyingAtLagRead(ReportingStore* model, reg::StreamChangesResponse late)
      : model_(model), late_(std::move(late)) {}

  absl::StatusOr<Cursor> GetCursor(const std::string& source) override {
    if (late_.has_value() && source == kRegistrySource) {
      const std::vector<reg::StreamChangesResponse> late = {*std::exchange(late_, std::nullopt)};
      RETURN_IF_ERROR(model_->ApplyRegistry(late));
    }
    return model_->GetCursor(source);
  }

  using ReportingStore::ApplyQuota;
  using ReportingStore::ApplyRegistry;
  absl::Status ApplyRegistry(absl::Span<const reg::StreamChangesResponse* const> changes) override {
    return model_->ApplyRegistry(changes);
  }
  absl::Status ApplyQuota(absl::Span<const quo::StreamChangesResponse* const> changes) override {
    return model_->ApplyQuota(changes);
  }
  absl::Status WithoutApplying(const std::function<absl::Status()>& read) override {
    return model_->WithoutApplying(read);
  }
  absl::Status Reset() override { return model_->Reset(); }
  absl::StatusOr<CountsByIndicator> Targets(const std::string& assignee, int year) override {
    return model_->Targets(assignee, year);
  }
  absl::StatusOr<Achieved> AchievedIn(const std::string& unit, int year) override {
    return model_->AchievedIn(unit, year);
  }
  absl::StatusOr<std::map<std::string, Achieved>> AchievedByBody(const std::string& unit,
                                                                 int year) override {
    return model_->AchievedByBody(unit, year);
  }
  absl::StatusOr<std::map<std::string, CountsByIndicator>> TargetsOf(
      const std::vector<std::string>& assignees, int year) override {
    return model_->TargetsOf(assignees, year);
  }
  absl::StatusOr<std::map<std::string, Achieved>> AchievedInChildren(const std::string& unit,
                                                                     int year) override {
    return model_->AchievedInChildren(unit, year);
  }
  absl::StatusOr<std::vector<NamedKey>> Children(const std::string& unit) override {
    return model_->Children(unit);
  }
  absl::StatusOr<std::vector<NamedKey>> ExpectedChildren(const std::string& unit,
                                                         int year) override {
    return model_->ExpectedChildren(unit, year);
  }
  absl::StatusOr<std::vector<CountedRow>> CountedIn(const std::string& unit, int year) override {
    return model_->CountedIn(unit, year);
  }
  absl::StatusOr<std::string> DisplayName(const std::string& key) override {
    return model_->DisplayName(key);
  }
  absl::StatusOr<bool> UnitExists(const std::string& unit) override {
    return model_->UnitExists(unit);
  }
  absl::StatusOr<std::optional<std::string>> UnitParent(const std::string& unit) override {
    return model_->UnitParent(unit);
  }
  absl::StatusOr<std::vector<std::string>> RootUnits() override { return model_->RootUnits(); }
  absl::StatusOr<std::optional<std::string>> EnterpriseSeat(const std::string& code) override {
    return model_->EnterpriseSeat(code);
  }
  absl::StatusOr<CountsByStatus> StatusCounts(const std::string& unit,
                                              const std::string& as_of) override {
    return model_->StatusCounts(unit, as_of);
  }
  absl::StatusOr<CoverageCounts> Coverage(const std::string& unit,
                                          const std::string& as_of) override {
    return model_->Coverage(unit, as_of);
  }
  absl::StatusOr<std::vector<CandidateRow>> Candidates(const std::string& unit, int kind,
                                                       int threshold, const std::string& as_of,
                                                       const std::string& after,
                                                       int limit) override {
    return model_->Candidates(unit, kind, threshold, as_of, after, limit);
  }
  absl::StatusOr<std::vector<CandidateRow>> FosteringCases(const std::string& unit,
                                                           const std::string& as_of,
                                                           const std::string& after,
                                                           int limit) override {
    return model_->FosteringCases(unit, as_of, after, limit);
  }
  absl::StatusOr<std::optional<quo::FoundingThresholds>> Thresholds(int year) override {
    return model_->Thresholds(year);
  }

 private:
  ReportingStore* model_;
  std::optional<reg::StreamChangesResponse> late_;
};

// Every domain test runs on both backends: SQLite and PostgreSQL.
class ReportingTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto opened = SqlReportingStore::Open(testing::TestStoreLocation(GetParam(), "reporting"));
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = std::move(*opened);
    reporting_ = std::make_unique<Reporting>(store_.get(), &health_,
                                             [] { return absl::CivilDay(2014, 1, 13); });
    Unit("01", "", "Hà Nội");
    Unit("002", "01", "Hoàn Kiếm");
    Unit("003", "01", "Tây Hồ");
    Unit("00037", "002", "Phúc Tân");
    reg::StreamChangesResponse c;
    c.mutable_body()->set_name("bodies/hk-block-party");
    c.mutable_body()->set_display_name("Đảng ủy Khối DN");
    Registry(c);
  }

  void Registry(reg::StreamChangesResponse c) {
    c.set_sequence(++registry_seq_);
    if (batch_ != nullptr) {
      batch_->push_back(std::move(c));
      return;
    }
    ASSERT_TRUE(store_->ApplyRegistry({c}).ok());
  }
  void Quota(quo::StreamChangesResponse c) {
    c.set_sequence(++quota_seq_);
    ASSERT_TRUE(store_->ApplyQuota({c}).ok());
  }
  void Unit(const std::string& code, const std::string& parent, const std::string& name) {
    reg::StreamChangesResponse c;
    c.mutable_unit()->set_name("units/" + code);
    if (!parent.empty()) {
      c.mutable_unit()->set_parent("units/" + parent);
    }
    c.mutable_unit()->set_display_name(name);
    Registry(c);
  }
  void Enterprise(const std::string& code, const std::string& unit, int status = 1,
                  const std::string& since = "2010-01-01", int official = 0) {
    reg::StreamChangesResponse c;
    auto* e = c.mutable_enterprise();
    e->set_enterprise_code(code);
    e->set_display_name("DN " + code);
    e->set_seat_unit("units/" + unit);
    e->set_registration_date("2010-01-01");
    auto* p = e->add_status_history();
    p->set_status(type::v1::ENTERPRISE_STATUS_ACTIVE);
    p->set_effective_date("2010-01-01");
    if (status != 1) {
      auto* q = e->add_status_history();
      q->set_status(static_cast<type::v1::EnterpriseStatus>(status));
      q->set_effective_date(since);
    }
    e->mutable_member_counts()->set_official_party_members(official);
    Registry(c);
  }
  void Org(const std::string& code, int id, int kind, const std::string& date,
           const std::string& body = "bodies/hk-block-party") {
    reg::StreamChangesResponse c;
    auto* o = c.mutable_organization();
    o->set_name("enterprises/" + code + "/organizations/" + std::to_string(id));
    o->set_kind(static_cast<type::v1::OrganizationKind>(kind));
    o->set_founding_date(date);
    o->set_founding_body(body);
    o->set_seat_unit("units/" + unit_of_[code]);
    Registry(c);
  }
  void Target(const std::string& assignee, int year, int indicator, int value) {
    quo::StreamChangesResponse c;
    auto* t = c.mutable_target();
    t->set_name("units/x/targets/" + std::to_string(++targets_));
    t->set_assignee(assignee);
    t->set_year(year);
    t->set_indicator(static_cast<type::v1::Indicator>(indicator));
    t->set_value(value);
    Quota(c);
  }

  const pb::IndicatorProgress& Party(const pb::Progress& p) { return p.indicators(0); }

  // Organizations of `kind` founded in `year` beneath `unit`, by the model.
  int64_t Achieved(const std::string& unit, int year, int kind) {
    auto a = store_->AchievedIn(unit, year);
    EXPECT_TRUE(a.ok()) << a.status();
    if (!a.ok()) {
      return -1;
    }
    auto it = a->organizations_by_kind.find(kind);
    return it == a->organizations_by_kind.end() ? 0 : it->second;
  }

  std::unique_ptr<SqlReportingStore> store_;
  FeedHealth health_;
  std::unique_ptr<Reporting> reporting_;
  int64_t registry_seq_ = 0, quota_seq_ = 0;
  int targets_ = 0;
  // When set, registry changes gather here to be applied as one batch.
  std::vector<reg::StreamChangesResponse>* batch_ = nullptr;
  std::map<std::string, std::string> unit_of_ = {{"A", "00037"}, {"B", "002"}, {"C", "003"}};
};

TEST_P(ReportingTest, ProgressCountsBeneathTheUnitWithBreakdowns) {
  Enterprise("A", "00037");
  Enterprise("B", "002");
  Enterprise("C", "003");
  Org("A", 1, type::v1::ORGANIZATION_KIND_PARTY, "2013-03-01");
  Org("B", 2, type::v1::ORGANIZATION_KIND_PARTY, "2013-05-01");
  Org("C", 3, type::v1::ORGANIZATION_KIND_PARTY, "2013-05-01");  // Another district.
  Org("B", 4, type::v1::ORGANIZATION_KIND_PARTY, "2012-05-01");  // Another year.
  Target("units/002", 2013, type::v1::INDICATOR_NEW_PARTY_ORGANIZATIONS, 2);
  pb::GetProgressRequest r;
  r.set_unit("units/002");
  r.set_year(2013);
  auto p = reporting_->GetProgress(r);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(Party(*p).target(), 2);
  EXPECT_EQ(Party(*p).achieved(), 2);
  EXPECT_EQ(Party(*p).status(), type::v1::PROGRESS_STATUS_MET);
  EXPECT_DOUBLE_EQ(Party(*p).percent(), 100.0);
  ASSERT_EQ(Party(*p).by_child_unit_size(), 1);
  EXPECT_EQ(Party(*p).by_child_unit(0).achieved(), 1);
  ASSERT_EQ(Party(*p).by_body_size(), 1);
  EXPECT_EQ(Party(*p).by_body(0).display_name(), "Đảng ủy Khối DN");
  EXPECT_EQ(p->indicators(2).status(), type::v1::PROGRESS_STATUS_NO_TARGET);
  EXPECT_EQ(p->lag_size(), 2);
  EXPECT_EQ(p->lag(0).last_sequence(), registry_seq_);
}

// A report's figures hold everything its lag says is applied: the lag is
// read first, and an apply landing after it (ApplyingAtLagRead) is counted
// or not, but never claimed and missing.
TEST_P(ReportingTest, FiguresHoldWhatTheLagSaysIsApplied) {
  Enterprise("B", "002");
  Org("B", 1, type::v1::ORGANIZATION_KIND_PARTY, "2013-05-01");
  // A late organization of `kind`, the next change of the feed.
  auto late = [&](int id, type::v1::OrganizationKind kind) {
    reg::StreamChangesResponse c;
    c.set_sequence(++registry_seq_);
    auto* o = c.mutable_organization();
    o->set_name("enterprises/B/organizations/" + std::to_string(id));
    o->set_kind(kind);
    o->set_founding_date("2013-06-01");
    o->set_founding_body("bodies/hk-block-party");
    o->set_seat_unit("units/002");
    return c;
  };
  auto today = [] { return absl::CivilDay(2014, 1, 13); };
  {
    ApplyingAtLagRead model(store_.get(), late(2, type::v1::ORGANIZATION_KIND_TRADE_UNION));
    pb::GetProgressRequest r;
    r.set_unit("units/002");
    r.set_year(2013);
    auto p = Reporting(&model, &health_, today).GetProgress(r);
    ASSERT_TRUE(p.ok()) << p.status();
    EXPECT_EQ(p->lag(0).last_sequence(), registry_seq_);
    int trade_unions = -1;
    for (const auto& i : p->indicators()) {
      if (i.indicator() == type::v1::INDICATOR_NEW_TRADE_UNIONS) {
        trade_unions = i.achieved();
      }
    }
    EXPECT_EQ(trade_unions, 1);
  }
  {
    ApplyingAtLagRead model(store_.get(), late(3, type::v1::ORGANIZATION_KIND_YOUTH_UNION));
    pb::GetCoverageRequest r;
    r.set_unit("units/002");
    r.set_as_of("2013-12-31");
    auto c = Reporting(&model, &health_, today).GetCoverage(r);
    ASSERT_TRUE(c.ok()) << c.status();
    EXPECT_EQ(c->lag(0).last_sequence(), registry_seq_);
    ASSERT_EQ(c->kinds_size(), 3);
    EXPECT_EQ(c->kinds(2).kind(), type::v1::ORGANIZATION_KIND_YOUTH_UNION);
    EXPECT_EQ(c->kinds(2).with_organization(), 1);
  }
}

TEST_P(ReportingTest, CountsFollowAChangedOrganizationAndAReset) {
  Enterprise("A", "00037");
  Org("A", 1, type::v1::ORGANIZATION_KIND_PARTY, "2013-03-01");
  Org("A", 2, type::v1::ORGANIZATION_KIND_TRADE_UNION, "2013-03-01");
  EXPECT_EQ(Achieved("002", 2013, type::v1::ORGANIZATION_KIND_PARTY), 1);
  // The same organization again, its founding date corrected to 2012 and
  // its seat now in another district: counted there and then only.
  unit_of_["A"] = "003";
  Org("A", 1, type::v1::ORGANIZATION_KIND_PARTY, "2012-12-30");
  EXPECT_EQ(Achieved("002", 2013, type::v1::ORGANIZATION_KIND_PARTY), 0);
  EXPECT_EQ(Achieved("003", 2012, type::v1::ORGANIZATION_KIND_PARTY), 1);
  EXPECT_EQ(Achieved("01", 2013, type::v1::ORGANIZATION_KIND_TRADE_UNION), 1);
  EXPECT_EQ(Achieved("01", 2012, type::v1::ORGANIZATION_KIND_PARTY), 1);
  ASSERT_TRUE(store_->Reset().ok());
  EXPECT_EQ(Achieved("01", 2012, type::v1::ORGANIZATION_KIND_PARTY), 0);
  EXPECT_EQ(Achieved("01", 2013, type::v1::ORGANIZATION_KIND_TRADE_UNION), 0);
}

// One batch holding several states of one enterprise and one organization
// (a catch-up's batch): the last of each is what the model and its counts
// hold, as if applied one by one (and PostgreSQL, which refuses a
// statement touching a row twice, takes it).
TEST_P(ReportingTest, ABatchKeepsTheLastStateOfEachKey) {
  std::vector<reg::StreamChangesResponse> batch;
  batch_ = &batch;
  Enterprise("A", "00037");
  Org("A", 1, type::v1::ORGANIZATION_KIND_PARTY, "2013-03-01");
  unit_of_["A"] = "003";
  Org("A", 1, type::v1::ORGANIZATION_KIND_PARTY, "2012-12-30");
  Org("A", 2, type::v1::ORGANIZATION_KIND_TRADE_UNION, "2013-03-01");
  Enterprise("A", "003", type::v1::ENTERPRISE_STATUS_SUSPENDED, "2013-06-01");
  batch_ = nullptr;
  ASSERT_EQ(batch.size(), 5u);
  ASSERT_TRUE(store_->ApplyRegistry(batch).ok());
  EXPECT_EQ(Achieved("002", 2013, type::v1::ORGANIZATION_KIND_PARTY), 0);
  EXPECT_EQ(Achieved("003", 2012, type::v1::ORGANIZATION_KIND_PARTY), 1);
  EXPECT_EQ(Achieved("01", 2012, type::v1::ORGANIZATION_KIND_PARTY), 1);
  EXPECT_EQ(Achieved("003", 2013, type::v1::ORGANIZATION_KIND_TRADE_UNION), 1);
  // The enterprise's last state: seated in Tây Hồ, suspended since June.
  auto statuses = store_->StatusCounts("003", "2013-12-31");
  ASSERT_TRUE(statuses.ok()) << statuses.status();
  EXPECT_EQ((*statuses)[type::v1::ENTERPRISE_STATUS_SUSPENDED], 1);
  EXPECT_EQ((*statuses)[type::v1::ENTERPRISE_STATUS_ACTIVE], 0);
  auto moved_out = store_->StatusCounts("002", "2013-12-31");
  ASSERT_TRUE(moved_out.ok()) << moved_out.status();
  int64_t in_hoan_kiem = 0;
  for (const auto& [status, n] : *moved_out) {
    in_hoan_kiem += n;
  }
  EXPECT_EQ(in_hoan_kiem, 0);
  // Applied again (a redelivery): skipped whole.
  ASSERT_TRUE(store_->ApplyRegistry(batch).ok());
  EXPECT_EQ(Achieved("01", 2012, type::v1::ORGANIZATION_KIND_PARTY), 1);
}

TEST_P(ReportingTest, GapsAreRefusedAndRedeliveryIsSkipped) {
  reg::StreamChangesResponse c;
  c.mutable_unit()->set_name("units/004");
  c.mutable_unit()->set_display_name("Long Biên");
  c.mutable_unit()->set_parent("units/01");
  c.set_sequence(registry_seq_ + 2);  // One missing.
  EXPECT_EQ(store_->ApplyRegistry({c}).code(), absl::StatusCode::kFailedPrecondition);
  c.set_sequence(registry_seq_);  // Already applied: skipped.
  EXPECT_TRUE(store_->ApplyRegistry({c}).ok());
  EXPECT_FALSE(*store_->UnitExists("004"));
}

TEST_P(ReportingTest, StatusSummaryAsOfADate) {
  Enterprise("A", "00037");
  Enterprise("B", "002", type::v1::ENTERPRISE_STATUS_SUSPENDED, "2013-06-01");
  Enterprise("C", "002", type::v1::ENTERPRISE_STATUS_DISSOLVED, "2014-02-01");
  pb::GetEnterpriseStatusSummaryRequest r;
  r.set_unit("units/002");
  r.set_as_of("2013-12-31");
  auto s = reporting_->GetEnterpriseStatusSummary(r);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->total(), 3);
  EXPECT_EQ(s->counts(0).count(), 2);  // Active: A and C (dissolved only in 2014).
  EXPECT_EQ(s->counts(1).count(), 1);  // Suspended: B.
}

TEST_P(ReportingTest, CandidatesFollowTheThreshold) {
  Enterprise("A", "00037", 1, "", 3);
  Enterprise("B", "002", 1, "", 4);
  Enterprise("C", "002", 1, "", 0);
  pb::ListFoundingCandidatesRequest r;
  r.set_unit("units/002");
  r.set_kind(type::v1::ORGANIZATION_KIND_PARTY);
  r.set_year(2014);
  auto c = reporting_->ListFoundingCandidates(r);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->threshold(), 3);
  EXPECT_EQ(c->candidates_size(), 2);
  quo::StreamChangesResponse t;
  t.mutable_founding_thresholds()->set_year(2014);
  t.mutable_founding_thresholds()->set_party_cell_official_members(4);
  Quota(t);
  c = reporting_->ListFoundingCandidates(r);
  EXPECT_EQ(c->threshold(), 4);
  ASSERT_EQ(c->candidates_size(), 1);
  EXPECT_EQ(c->candidates(0).enterprise(), "enterprises/B");
  Org("B", 1, type::v1::ORGANIZATION_KIND_PARTY, "2014-01-02");
  EXPECT_EQ(reporting_->ListFoundingCandidates(r)->candidates_size(), 0);
  pb::ListFosteringCasesRequest f;
  f.set_unit("units/002");
  EXPECT_EQ(reporting_->ListFosteringCases(f)->cases_size(), 1);  // C.
}

TEST_P(ReportingTest, RankingAndReports) {
  Unit("004", "01", "Long Biên");
  Enterprise("B", "002");
  Enterprise("C", "003");
  Org("B", 1, type::v1::ORGANIZATION_KIND_PARTY, "2013-05-01");
  Org("C", 2, type::v1::ORGANIZATION_KIND_PARTY, "2013-05-01");
  Target("units/002", 2013, type::v1::INDICATOR_NEW_PARTY_ORGANIZATIONS, 2);
  Target("units/003", 2013, type::v1::INDICATOR_NEW_PARTY_ORGANIZATIONS, 1);
  pb::RankUnitsRequest rank;
  rank.set_parent("units/01");
  rank.set_year(2013);
  rank.set_indicator(type::v1::INDICATOR_NEW_PARTY_ORGANIZATIONS);
  auto ranked = reporting_->RankUnits(rank);
  ASSERT_TRUE(ranked.ok());
  ASSERT_EQ(ranked->units_size(), 3);
  EXPECT_EQ(ranked->units(0).unit(), "units/003");  // 100 %.
  EXPECT_EQ(ranked->units(1).unit(), "units/002");  // 50 %, behind.
  EXPECT_EQ(ranked->units(1).status(), type::v1::PROGRESS_STATUS_NOT_MET);
  EXPECT_EQ(ranked->units(2).status(), type::v1::PROGRESS_STATUS_NO_TARGET);

  pb::GetYearEndReportRequest y;
  y.set_unit("units/002");
  y.set_year(2013);
  auto report = reporting_->GetYearEndReport(y);
  ASSERT_TRUE(report.ok());
  EXPECT_NE(report->html().find("Tổ chức đảng thành lập mới"), std::string::npos);
  EXPECT_NE(report->html().find("<td class=\"n\">1/2</td>"), std::string::npos);
  EXPECT_NE(report->html().find("Hoàn Kiếm"), std::string::npos);
  pb::ExportReportRequest x;
  x.set_unit("units/002");
  x.set_year(2013);
  auto csv = reporting_->ExportReport(x);
  ASSERT_TRUE(csv.ok());
  EXPECT_EQ((*csv)[0], "scope,key,name,year,indicator,target,achieved,difference,status");
  EXPECT_EQ((*csv)[1],
            "unit,units/002,Hoàn Kiếm,2013,INDICATOR_NEW_PARTY_ORGANIZATIONS,2,1,-1,"
            "PROGRESS_STATUS_NOT_MET");
}

TEST(CsvFile, OpensInExcelWithItsVietnameseIntact) {
  EXPECT_EQ(CsvFile({"Đơn vị,Năm", "\"Quận Hoàn Kiếm\",2013"}),
            "\xEF\xBB\xBF"
            "Đơn vị,Năm\r\n\"Quận Hoàn Kiếm\",2013\r\n");
  EXPECT_EQ(CsvFile({}), "\xEF\xBB\xBF");
}

TEST(ProgressCsv, ANameThatLooksLikeAFormulaStaysText) {
  pb::Progress p;
  auto* ip = p.add_indicators();
  ip->set_indicator(type::v1::INDICATOR_NEW_TRADE_UNIONS);
  for (const char* name : {"=HYPERLINK(\"http://x\")", "+1", "-1", "@SUM(A1)", "Cơ quan"}) {
    auto* b = ip->add_by_body();
    b->set_key("bodies/x");
    b->set_display_name(name);
    b->set_target(2);
  }
  auto lines = ProgressCsv("units/002", "=1+1", 2013, p);
  ASSERT_EQ(lines.size(), 7u);
  EXPECT_TRUE(absl::StartsWith(lines[1], "unit,units/002,'=1+1,2013,")) << lines[1];
  EXPECT_TRUE(absl::StartsWith(lines[2], "body,bodies/x,\"'=HYPERLINK(\"\"http://x\"\")\","))
      << lines[2];
  EXPECT_TRUE(absl::StartsWith(lines[3], "body,bodies/x,'+1,")) << lines[3];
  EXPECT_TRUE(absl::StartsWith(lines[4], "body,bodies/x,'-1,")) << lines[4];
  EXPECT_TRUE(absl::StartsWith(lines[5], "body,bodies/x,'@SUM(A1),")) << lines[5];
  EXPECT_TRUE(absl::StartsWith(lines[6], "body,bodies/x,Cơ quan,")) << lines[6];
  // Figures keep their sign: the difference is a number.
  EXPECT_TRUE(absl::StrContains(lines[6], ",2,0,-2,")) << lines[6];
}

TEST(CsvLine, QuotesWhatNeedsIt) {
  EXPECT_EQ(CsvLine({"a", "b,c", "say \"hi\"", ""}), "a,\"b,c\",\"say \"\"hi\"\"\",");
}

TEST_P(ReportingTest, BadRequests) {
  pb::GetProgressRequest r;
  r.set_unit("units/404");
  r.set_year(2013);
  EXPECT_EQ(reporting_->GetProgress(r).status().code(), absl::StatusCode::kNotFound);
  r.set_unit("units/002");
  r.set_year(1999);
  EXPECT_EQ(reporting_->GetProgress(r).status().code(), absl::StatusCode::kInvalidArgument);
  r.set_unit("bodies/x");
  EXPECT_EQ(reporting_->GetProgress(r).status().code(), absl::StatusCode::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(Backends, ReportingTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace chitieu::reporting

// End-to-end tests of report approvals through the gateway, over gRPC and
// HTTP, on the whole stack with the Hoàn Kiếm scenario: the lifecycle
// ward → district → city, the children-first rule, every refused
// transition with its code and reason, frozen figures unchanged by a later
// write and the change shown, resubmission clearing it, bulk approval,
// the completeness view with an overdue unit, the feed and the audit log.

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "chitieu/gateway/v1/gateway.grpc.pb.h"
#include "chitieu/quota/v1/quota.grpc.pb.h"
#include "chitieu/registry/v1/registry.grpc.pb.h"
#include "chitieu/reporting/v1/reporting.grpc.pb.h"
#include "services/registry/tax_code.h"
#include "tests/support/file_readers.h"
#include "tests/support/stack.h"
#include "tests/support/wait.h"

namespace chitieu {
namespace {

namespace reg = ::chitieu::registry::v1;
namespace quo = ::chitieu::quota::v1;
namespace rep = ::chitieu::reporting::v1;
namespace gw = ::chitieu::gateway::v1;

const testing::StackKey kCity{"k-city", "user:city-admin", "city_admin", "units/01"};
const testing::StackKey kHoanKiem{"k-hk", "user:hk-officer", "district_officer", "units/002"};
const testing::StackKey kHoanKiem2{"k-hk2", "user:hk-deputy", "district_officer", "units/002"};
const testing::StackKey kWard37{"k-w37", "user:w37-officer", "district_officer", "units/00037"};
const testing::StackKey kWard40{"k-w40", "user:w40-officer", "district_officer", "units/00040"};
const testing::StackKey kTayHo{"k-th", "user:th-officer", "district_officer", "units/003"};
const testing::StackKey kAuditor{"k-aud", "user:auditor", "auditor", "units/01"};

constexpr char kDistrict[] = "units/002/reports/2013";
constexpr char kWardA[] = "units/00037/reports/2013";
constexpr char kWardB[] = "units/00040/reports/2013";

class ApprovalsE2ETest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    stack_ = new testing::Stack();
    ASSERT_TRUE(stack_->Start({kCity, kHoanKiem, kHoanKiem2, kWard37, kWard40, kTayHo, kAuditor},
                              {.scenario = true, .reporting_args = {"--report_acceptance"}}))
        << stack_->error();
    auto channel =
        grpc::CreateChannel(stack_->gateway().address(), grpc::InsecureChannelCredentials());
    reporting_ = rep::ReportingService::NewStub(channel).release();
    registry_ = reg::RegistryService::NewStub(channel).release();
    quota_ = quo::QuotaService::NewStub(channel).release();
    gateway_ = gw::GatewayService::NewStub(channel).release();
    // The district sub-allocates 2013 targets to two of its wards: the
    // units the district's report waits for.
    for (int year : {2010, 2011, 2012, 2013}) {
      quo::SetTargetsRequest targets;
      targets.set_request_id(absl::StrCat("approvals-ward-targets-", year));
      targets.set_assigner("units/002");
      targets.set_year(year);
      for (const char* ward : {"units/00037", "units/00040"}) {
        auto* row = targets.add_targets();
        row->set_indicator(type::v1::INDICATOR_NEW_PARTY_ORGANIZATIONS);
        row->set_assignee(ward);
        row->set_value(1);
      }
      quo::SetTargetsResponse set;
      grpc::ClientContext ctx;
      Authorize(ctx, kHoanKiem);
      ASSERT_TRUE(quota_->SetTargets(&ctx, targets, &set).ok());
    }
    ASSERT_TRUE(testing::WaitFor(
        [] {
          return Completeness(kHoanKiem, "units/002", 2010).units_size() == 2 &&
                 Completeness(kHoanKiem, "units/002", 2011).units_size() == 2 &&
                 Completeness(kHoanKiem, "units/002", 2012).units_size() == 3 &&
                 Completeness(kHoanKiem, "units/002", 2013).units_size() == 3;
        },
        std::chrono::seconds(30)));
  }
  static void TearDownTestSuite() {
    delete reporting_;
    delete registry_;
    delete quota_;
    delete gateway_;
    delete stack_;
  }

  static void Authorize(grpc::ClientContext& ctx, const testing::StackKey& key) {
    ctx.AddMetadata("authorization", "Bearer " + key.secret);
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  }

  // Calls `method` of the reporting stub with a request naming `name`.
  template <typename Request>
  static grpc::Status Act(grpc::Status (rep::ReportingService::Stub::*method)(grpc::ClientContext*,
                                                                              const Request&,
                                                                              rep::Report*),
                          const testing::StackKey& key, const std::string& name,
                          rep::Report* out = nullptr, const std::string& reason = "") {
    Request r;
    r.set_name(name);
    if constexpr (std::is_same_v<Request, rep::ReturnReportRequest> ||
                  std::is_same_v<Request, rep::ReopenReportRequest>) {
      r.set_reason(reason);
    }
    rep::Report ignored;
    grpc::ClientContext ctx;
    Authorize(ctx, key);
    return (reporting_->*method)(&ctx, r, out == nullptr ? &ignored : out);
  }
  static grpc::Status Submit(const testing::StackKey& k, const std::string& n,
                             rep::Report* out = nullptr) {
    return Act(&rep::ReportingService::Stub::SubmitReport, k, n, out);
  }
  static grpc::Status Approve(const testing::StackKey& k, const std::string& n,
                              rep::Report* out = nullptr) {
    return Act(&rep::ReportingService::Stub::ApproveReport, k, n, out);
  }
  static grpc::Status Accept(const testing::StackKey& k, const std::string& n,
                             rep::Report* out = nullptr) {
    return Act(&rep::ReportingService::Stub::AcceptReport, k, n, out);
  }
  static grpc::Status Return(const testing::StackKey& k, const std::string& n,
                             const std::string& reason, rep::Report* out = nullptr) {
    return Act(&rep::ReportingService::Stub::ReturnReport, k, n, out, reason);
  }
  static grpc::Status Reopen(const testing::StackKey& k, const std::string& n,
                             const std::string& reason, rep::Report* out = nullptr) {
    return Act(&rep::ReportingService::Stub::ReopenReport, k, n, out, reason);
  }
  static rep::Report Get(const testing::StackKey& k, const std::string& n) {
    rep::GetReportRequest r;
    r.set_name(n);
    rep::Report out;
    grpc::ClientContext ctx;
    Authorize(ctx, k);
    EXPECT_TRUE(reporting_->GetReport(&ctx, r, &out).ok()) << n;
    return out;
  }
  static rep::ReportingCompleteness Completeness(const testing::StackKey& k,
                                                 const std::string& unit, int year) {
    rep::GetReportingCompletenessRequest r;
    r.set_unit(unit);
    r.set_year(year);
    rep::ReportingCompleteness out;
    grpc::ClientContext ctx;
    Authorize(ctx, k);
    EXPECT_TRUE(reporting_->GetReportingCompleteness(&ctx, r, &out).ok());
    return out;
  }
  // Creates an enterprise seated in `seat` with the first valid tax code
  // from `seq`, as `key`; true if it was, its code in `*code`.
  static bool NewEnterprise(const testing::StackKey& key, int seq, const std::string& name,
                            const std::string& seat, const std::string& registered,
                            std::string* code) {
    code->clear();
    for (int s = seq; code->empty(); ++s) {
      *code = registry::MakeEnterpriseCode(1, s);
    }
    reg::CreateEnterpriseRequest r;
    auto* e = r.mutable_enterprise();
    e->set_enterprise_code(*code);
    e->set_display_name(name);
    e->set_legal_form(type::v1::LEGAL_FORM_SINGLE_MEMBER_LLC);
    e->set_sector(type::v1::SECTOR_NON_STATE);
    e->set_seat_unit(seat);
    e->set_registration_date(registered);
    reg::Enterprise out;
    grpc::ClientContext ctx;
    Authorize(ctx, key);
    return registry_->CreateEnterprise(&ctx, r, &out).ok();
  }
  static int Achieved(const google::protobuf::RepeatedPtrField<rep::IndicatorProgress>& list,
                      type::v1::Indicator indicator) {
    for (const auto& p : list) {
      if (p.indicator() == indicator) {
        return p.achieved();
      }
    }
    return -1;
  }

  static testing::Stack* stack_;
  static rep::ReportingService::Stub* reporting_;
  static reg::RegistryService::Stub* registry_;
  static quo::QuotaService::Stub* quota_;
  static gw::GatewayService::Stub* gateway_;
};

testing::Stack* ApprovalsE2ETest::stack_ = nullptr;
rep::ReportingService::Stub* ApprovalsE2ETest::reporting_ = nullptr;
reg::RegistryService::Stub* ApprovalsE2ETest::registry_ = nullptr;
quo::QuotaService::Stub* ApprovalsE2ETest::quota_ = nullptr;
gw::GatewayService::Stub* ApprovalsE2ETest::gateway_ = nullptr;

constexpr auto kParty = type::v1::INDICATOR_NEW_PARTY_ORGANIZATIONS;

TEST_F(ApprovalsE2ETest, AYearFromTheWardsToTheCityWithALateCorrection) {
  // A ward submits; its figures are frozen with a content hash.
  rep::Report ward;
  ASSERT_TRUE(Submit(kWard37, kWardA, &ward).ok());
  EXPECT_EQ(ward.state(), rep::REPORT_STATE_SUBMITTED);
  EXPECT_EQ(ward.submitted_by(), kWard37.principal);
  EXPECT_TRUE(absl::StartsWith(ward.snapshot().content_hash(), "sha256:"));
  EXPECT_EQ(ward.snapshot().content_hash().size(), 7u + 64u);
  EXPECT_TRUE(
      absl::StrContains(ward.snapshot().canonical_text(), "report units/00037/reports/2013"));
  // Submitted twice: refused, with its reason.
  grpc::Status again = Submit(kWard37, kWardA);
  EXPECT_EQ(again.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(again.error_message(), "is SUBMITTED")) << again.error_message();
  // The ward may not approve its own report (scope over the parent needed),
  // nor may a sibling ward or another district.
  EXPECT_EQ(Approve(kWard37, kWardA).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Approve(kWard40, kWardA).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Approve(kTayHo, kWardA).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  // Return needs a reason; with one, the ward is OPEN again.
  grpc::Status no_reason = Return(kHoanKiem, kWardA, "");
  EXPECT_EQ(no_reason.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(no_reason.error_message(), "reason")) << no_reason.error_message();
  rep::Report returned;
  ASSERT_TRUE(Return(kHoanKiem, kWardA, "Thiếu quyết định thành lập", &returned).ok());
  EXPECT_EQ(returned.state(), rep::REPORT_STATE_OPEN);
  EXPECT_EQ(returned.reason(), "Thiếu quyết định thành lập");
  EXPECT_EQ(Return(kHoanKiem, kWardA, "again").error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  ASSERT_TRUE(Submit(kWard37, kWardA).ok());
  ASSERT_TRUE(Approve(kHoanKiem, kWardA, &ward).ok());
  EXPECT_EQ(ward.state(), rep::REPORT_STATE_APPROVED);
  EXPECT_EQ(ward.approved_by(), kHoanKiem.principal);
  // The city accepts a ward only once its district stands behind it.
  grpc::Status accept_early = Accept(kCity, kWardA);
  EXPECT_EQ(accept_early.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(accept_early.error_message(), kDistrict))
      << accept_early.error_message();

  // The district submits; the city may not approve it while a ward waits,
  // and the refusal names the ward.
  rep::Report district;
  ASSERT_TRUE(Submit(kHoanKiem, kDistrict, &district).ok());
  EXPECT_EQ(Achieved(district.snapshot().indicators(), kParty), 7);
  const std::string submitted_hash = district.snapshot().content_hash();
  EXPECT_EQ(Approve(kHoanKiem2, kDistrict).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  grpc::Status early = Approve(kCity, kDistrict);
  EXPECT_EQ(early.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(early.error_message(), kWardB)) << early.error_message();
  EXPECT_FALSE(absl::StrContains(early.error_message(), kWardA)) << early.error_message();

  // Bulk: the district approves every submitted ward at once, a result per
  // ward.
  ASSERT_TRUE(Submit(kWard40, kWardB).ok());
  rep::BatchApproveReportsRequest batch;
  batch.set_parent("units/002");
  batch.set_year(2013);
  batch.set_request_id("approvals-batch-1");
  rep::BatchReportTransitionResponse results;
  {
    grpc::ClientContext ctx;
    Authorize(ctx, kHoanKiem);
    ASSERT_TRUE(reporting_->BatchApproveReports(&ctx, batch, &results).ok());
  }
  ASSERT_EQ(results.results_size(), 2);
  EXPECT_EQ(results.results(0).report(), kWardA);
  EXPECT_EQ(results.results(0).code(), static_cast<int>(grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_EQ(results.results(0).state(), rep::REPORT_STATE_APPROVED);
  EXPECT_EQ(results.results(1).report(), kWardB);
  EXPECT_EQ(results.results(1).code(), 0) << results.results(1).message();
  EXPECT_EQ(results.results(1).state(), rep::REPORT_STATE_APPROVED);
  {
    // A retry gets the first answer.
    rep::BatchReportTransitionResponse retried;
    grpc::ClientContext ctx;
    Authorize(ctx, kHoanKiem);
    ASSERT_TRUE(reporting_->BatchApproveReports(&ctx, batch, &retried).ok());
    EXPECT_EQ(retried.SerializeAsString(), results.SerializeAsString());
  }

  // The city approves and accepts; a district officer may not accept.
  ASSERT_TRUE(Approve(kCity, kDistrict, &district).ok());
  EXPECT_EQ(district.state(), rep::REPORT_STATE_APPROVED);
  EXPECT_EQ(Accept(kHoanKiem, kDistrict).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(Accept(kCity, kDistrict, &district).ok());
  EXPECT_EQ(district.state(), rep::REPORT_STATE_ACCEPTED);
  EXPECT_EQ(district.accepted_by(), kCity.principal);
  EXPECT_TRUE(district.changes_since_submission().empty());
  // A ward may read the state of its district's report, who moved it and
  // the hash, not the district's figures; another district may not.
  const rep::Report from_below = Get(kWard37, kDistrict);
  EXPECT_EQ(from_below.state(), rep::REPORT_STATE_ACCEPTED);
  EXPECT_EQ(from_below.approved_by(), kCity.principal);
  EXPECT_EQ(from_below.snapshot().content_hash(), submitted_hash);
  EXPECT_EQ(from_below.snapshot().indicators_size(), 0);
  EXPECT_EQ(from_below.snapshot().records_size(), 0);
  EXPECT_TRUE(from_below.snapshot().canonical_text().empty());
  {
    rep::GetReportRequest r;
    r.set_name(kDistrict);
    rep::Report out;
    grpc::ClientContext ctx;
    Authorize(ctx, kTayHo);
    EXPECT_EQ(reporting_->GetReport(&ctx, r, &out).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }

  // A late correction: a Party organization founded in 2013 recorded now.
  // The frozen figures stay; the change shows beside them.
  std::string code;
  ASSERT_TRUE(NewEnterprise(kHoanKiem, 777001, "Công ty TNHH Ghi nhận muộn", "units/00040",
                            "2011-01-01", &code));
  std::string late;
  {
    reg::CreateOrganizationRequest r;
    r.set_parent("enterprises/" + code);
    r.mutable_organization()->set_kind(type::v1::ORGANIZATION_KIND_PARTY);
    r.mutable_organization()->set_founding_date("2013-12-20");
    r.mutable_organization()->set_decision_number("99-QĐ/ĐU");
    r.mutable_organization()->set_founding_body("bodies/hk-block-party");
    reg::Organization out;
    grpc::ClientContext ctx;
    Authorize(ctx, kWard40);
    ASSERT_TRUE(registry_->CreateOrganization(&ctx, r, &out).ok());
    EXPECT_EQ(out.recorded_by(), kWard40.principal);
    late = out.name();
  }
  rep::Progress progress;
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        rep::GetProgressRequest r;
        r.set_unit("units/002");
        r.set_year(2013);
        grpc::ClientContext ctx;
        Authorize(ctx, kHoanKiem);
        return reporting_->GetProgress(&ctx, r, &progress).ok() &&
               Achieved(progress.indicators(), kParty) == 8;
      },
      std::chrono::seconds(30)));
  EXPECT_EQ(progress.report_state(), rep::REPORT_STATE_ACCEPTED);
  EXPECT_EQ(Achieved(progress.submitted_indicators(), kParty), 7);
  ASSERT_EQ(progress.changes_since_submission_size(), 1);
  const rep::FigureChange& change = progress.changes_since_submission(0);
  EXPECT_EQ(change.indicator(), kParty);
  EXPECT_EQ(change.submitted_achieved(), 7);
  EXPECT_EQ(change.live_achieved(), 8);
  ASSERT_EQ(change.added_size(), 1);
  EXPECT_EQ(change.added(0).name(), late);
  EXPECT_EQ(change.added(0).recorded_by(), kWard40.principal);
  EXPECT_GT(change.added(0).record_time().seconds(), 0);
  rep::Report frozen = Get(kCity, kDistrict);
  EXPECT_EQ(frozen.snapshot().content_hash(), submitted_hash);
  EXPECT_EQ(Achieved(frozen.snapshot().indicators(), kParty), 7);
  EXPECT_FALSE(frozen.snapshot().ahead_of_sources());
  ASSERT_EQ(frozen.changes_since_submission_size(), 1);
  // The year-end document: figures as approved, the stamp, the change.
  {
    rep::GetYearEndReportRequest r;
    r.set_unit("units/002");
    r.set_year(2013);
    rep::YearEndReport doc;
    grpc::ClientContext ctx;
    Authorize(ctx, kHoanKiem);
    ASSERT_TRUE(reporting_->GetYearEndReport(&ctx, r, &doc).ok());
    EXPECT_TRUE(absl::StrContains(doc.html(), "Số liệu đã được phê duyệt"));
    EXPECT_TRUE(absl::StrContains(doc.html(), submitted_hash));
    EXPECT_TRUE(absl::StrContains(doc.html(), "<td class=\"n\">7/6</td>")) << doc.html();
    EXPECT_TRUE(absl::StrContains(doc.html(), late));
  }
  // The CSV export too is of the figures as approved.
  {
    rep::ExportReportRequest r;
    r.set_unit("units/002");
    r.set_year(2013);
    grpc::ClientContext ctx;
    Authorize(ctx, kHoanKiem);
    auto reader = reporting_->ExportReport(&ctx, r);
    rep::ExportReportResponse row;
    std::string csv;
    while (reader->Read(&row)) {
      absl::StrAppend(&csv, row.csv_row(), "\n");
    }
    ASSERT_TRUE(reader->Finish().ok());
    EXPECT_TRUE(absl::StrContains(
        csv, "unit,units/002,Quận Hoàn Kiếm,2013,INDICATOR_NEW_PARTY_ORGANIZATIONS,6,7,1,"))
        << csv;
  }
  // The files too: the PDF with the stamp once, the figures as approved
  // (7, while 8 are recorded now) and the late record; the workbook of the
  // figures as approved, saying who approved them.
  {
    rep::DownloadYearEndReportRequest r;
    r.set_unit("units/002");
    r.set_year(2013);
    r.set_format(rep::YEAR_END_REPORT_FORMAT_PDF);
    google::api::HttpBody file;
    grpc::ClientContext ctx;
    Authorize(ctx, kHoanKiem);
    ASSERT_TRUE(reporting_->DownloadYearEndReport(&ctx, r, &file).ok());
    EXPECT_EQ(file.content_type(), "application/pdf");
    auto text = testing::PdfText(file.data());
    ASSERT_TRUE(text.ok()) << text.status();
    EXPECT_EQ(testing::Occurrences(*text, "SỐ LIỆU ĐÃ ĐƯỢC PHÊ DUYỆT"), 1) << *text;
    EXPECT_EQ(testing::Occurrences(*text, "Số liệu tạm tính"), 0) << *text;
    EXPECT_TRUE(absl::StrContains(*text, submitted_hash)) << *text;
    EXPECT_TRUE(absl::StrContains(*text, "7/6")) << *text;
    EXPECT_TRUE(absl::StrContains(*text, "Thành phố tiếp nhận")) << *text;
    EXPECT_TRUE(absl::StrContains(*text, kCity.principal)) << *text;
  }
  {
    rep::DownloadExportRequest r;
    r.set_unit("units/002");
    r.set_year(2013);
    r.set_format(rep::EXPORT_FORMAT_XLSX);
    google::api::HttpBody file;
    grpc::ClientContext ctx;
    Authorize(ctx, kHoanKiem);
    ASSERT_TRUE(reporting_->DownloadExport(&ctx, r, &file).ok());
    auto book = testing::WorkbookCells(file.data());
    ASSERT_TRUE(book.ok()) << book.status();
    const auto& indicators = (*book)["sheets"][0]["rows"];
    EXPECT_EQ(indicators[4][1], "INDICATOR_NEW_PARTY_ORGANIZATIONS") << book->dump();
    EXPECT_EQ(indicators[4][3], 7) << book->dump();
    EXPECT_TRUE(absl::StrContains(indicators[1][0].get<std::string>(), submitted_hash));
  }

  // Reopening: not by the district (the approver is the city), not while
  // a ward's district is approved, with a reason by the city.
  EXPECT_EQ(Reopen(kHoanKiem, kDistrict, "sửa").error_code(), grpc::StatusCode::PERMISSION_DENIED);
  grpc::Status ward_first = Reopen(kHoanKiem, kWardB, "bổ sung tổ chức");
  EXPECT_EQ(ward_first.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(ward_first.error_message(), "reopen it first"));
  ASSERT_TRUE(Reopen(kCity, kDistrict, "Bổ sung tổ chức đảng ghi nhận muộn", &district).ok());
  EXPECT_EQ(district.state(), rep::REPORT_STATE_OPEN);
  // The ward's report changed too: it is reopened, resubmitted, approved.
  ASSERT_TRUE(Reopen(kHoanKiem, kWardB, "bổ sung tổ chức").ok());
  ASSERT_TRUE(Submit(kWard40, kWardB).ok());
  ASSERT_TRUE(Approve(kHoanKiem, kWardB).ok());
  // Resubmitted, the district's snapshot holds 8 and no change remains.
  ASSERT_TRUE(Submit(kHoanKiem, kDistrict, &district).ok());
  EXPECT_EQ(Achieved(district.snapshot().indicators(), kParty), 8);
  EXPECT_NE(district.snapshot().content_hash(), submitted_hash);
  EXPECT_TRUE(district.changes_since_submission().empty());
  // The city approves; the same officer who submitted may never approve.
  ASSERT_TRUE(Approve(kCity, kDistrict, &district).ok());

  // Every transition is listed with who, from → to and the hash.
  {
    rep::ListReportTransitionsRequest r;
    r.set_parent(kDistrict);
    rep::ListReportTransitionsResponse out;
    grpc::ClientContext ctx;
    Authorize(ctx, kHoanKiem);
    ASSERT_TRUE(reporting_->ListReportTransitions(&ctx, r, &out).ok());
    ASSERT_EQ(out.transitions_size(), 6);
    EXPECT_EQ(out.transitions(0).from_state(), rep::REPORT_STATE_OPEN);
    EXPECT_EQ(out.transitions(0).to_state(), rep::REPORT_STATE_SUBMITTED);
    EXPECT_EQ(out.transitions(0).actor(), kHoanKiem.principal);
    EXPECT_EQ(out.transitions(0).content_hash(), submitted_hash);
    EXPECT_EQ(out.transitions(3).to_state(), rep::REPORT_STATE_OPEN);
    EXPECT_EQ(out.transitions(3).reason(), "Bổ sung tổ chức đảng ghi nhận muộn");
    EXPECT_EQ(out.transitions(5).actor(), kCity.principal);
    // Read from below, the reasons are left out.
    grpc::ClientContext below;
    Authorize(below, kWard40);
    ASSERT_TRUE(reporting_->ListReportTransitions(&below, r, &out).ok());
    ASSERT_EQ(out.transitions_size(), 6);
    EXPECT_TRUE(out.transitions(3).reason().empty());
  }
  // The gateway's audit log has an entry per transition, naming the report.
  {
    gw::ListAuditEntriesRequest r;
    r.set_filter(absl::StrCat("resource = \"", kDistrict, "\""));
    r.set_page_size(100);
    gw::ListAuditEntriesResponse out;
    grpc::ClientContext ctx;
    Authorize(ctx, kAuditor);
    ASSERT_TRUE(gateway_->ListAuditEntries(&ctx, r, &out).ok());
    int transitions = 0;
    for (const auto& e : out.entries()) {
      transitions += absl::StrContains(e.method(), "Report") && e.outcome() == "OK" ? 1 : 0;
    }
    EXPECT_EQ(transitions, 6);
  }
  // The feed carries the reports and their transitions.
  {
    rep::StreamChangesRequest r;
    r.set_no_follow(true);
    grpc::ClientContext ctx;
    Authorize(ctx, kCity);
    auto reader = reporting_->StreamChanges(&ctx, r);
    rep::StreamChangesResponse c;
    int transitions = 0;
    int64_t last = 0;
    while (reader->Read(&c)) {
      EXPECT_EQ(c.sequence(), last + 1);
      last = c.sequence();
      transitions += c.has_transition() ? 1 : 0;
    }
    EXPECT_TRUE(reader->Finish().ok());
    EXPECT_GE(transitions, 14);
  }
}

TEST_F(ApprovalsE2ETest, CompletenessShowsEachUnitTheRateAndTheOverdue) {
  // The city sets 2012's due date (only the city may); one ward submits.
  rep::SetReportDeadlineRequest d;
  d.set_year(2012);
  d.set_due_date("2013-01-15");
  rep::ReportDeadline set;
  {
    grpc::ClientContext ctx;
    Authorize(ctx, kHoanKiem);
    EXPECT_EQ(reporting_->SetReportDeadline(&ctx, d, &set).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  {
    rep::SetReportDeadlineRequest bad = d;
    bad.set_due_date("15/01/2014");
    grpc::ClientContext ctx;
    Authorize(ctx, kCity);
    grpc::Status s = reporting_->SetReportDeadline(&ctx, bad, &set);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_TRUE(absl::StrContains(s.error_message(), "due_date")) << s.error_message();
  }
  {
    grpc::ClientContext ctx;
    Authorize(ctx, kCity);
    ASSERT_TRUE(reporting_->SetReportDeadline(&ctx, d, &set).ok());
    EXPECT_EQ(set.set_by(), kCity.principal);
  }
  ASSERT_TRUE(Submit(kWard37, "units/00037/reports/2012").ok());
  rep::ReportingCompleteness view = Completeness(kCity, "units/002", 2012);
  EXPECT_EQ(view.due_date(), "2013-01-15");
  ASSERT_EQ(view.units_size(), 3);
  EXPECT_EQ(view.units(0).unit(), "units/002");
  EXPECT_EQ(view.units(0).depth(), 0);
  EXPECT_EQ(view.units(1).unit(), "units/00037");
  EXPECT_EQ(view.units(2).unit(), "units/00040");
  int overdue = 0;
  int submitted = 0;
  for (const auto& u : view.units()) {
    overdue += u.overdue() ? 1 : 0;
    const bool in = u.state() != rep::REPORT_STATE_OPEN;
    submitted += in ? 1 : 0;
    EXPECT_EQ(u.overdue(), !in) << u.unit();
    EXPECT_EQ(u.submit_time().seconds() > 0, in) << u.unit();
  }
  ASSERT_EQ(view.rates_size(), 2);
  EXPECT_EQ(view.rates(1).depth(), 1);
  EXPECT_EQ(view.rates(1).expected(), 2);
  EXPECT_EQ(view.rates(0).submitted() + view.rates(1).submitted(), submitted);
  EXPECT_EQ(submitted, 1);
  EXPECT_EQ(overdue, 2);
  EXPECT_FALSE(view.units(1).overdue());
  // A ward sees its own line only.
  EXPECT_EQ(Completeness(kWard37, "units/00037", 2012).units_size(), 1);
  // Each unit's report carries the due date and whether it is overdue.
  rep::Report district = Get(kWard37, "units/002/reports/2012");
  EXPECT_EQ(district.due_date(), "2013-01-15");
  EXPECT_TRUE(district.overdue());
}

// A district's report is not approved over the figures of a ward that was
// reopened, corrected and submitted again after the district submitted.
TEST_F(ApprovalsE2ETest, AParentIsNotApprovedOverAChildResubmittedAfterIt) {
  const std::string district = "units/002/reports/2011";
  const std::string ward = "units/00037/reports/2011";
  ASSERT_TRUE(Submit(kWard37, ward).ok());
  ASSERT_TRUE(Approve(kHoanKiem, ward).ok());
  ASSERT_TRUE(Submit(kWard40, "units/00040/reports/2011").ok());
  ASSERT_TRUE(Approve(kHoanKiem, "units/00040/reports/2011").ok());
  ASSERT_TRUE(Submit(kHoanKiem, district).ok());
  ASSERT_TRUE(Reopen(kHoanKiem, ward, "Sửa số liệu").ok());
  // The ward's correction: a trade union of 2011 it had not recorded.
  std::string code;
  ASSERT_TRUE(
      NewEnterprise(kWard37, 811001, "Công ty TNHH Bổ Sung", "units/00037", "2010-01-01", &code));
  {
    reg::CreateOrganizationRequest r;
    r.set_parent("enterprises/" + code);
    r.mutable_organization()->set_kind(type::v1::ORGANIZATION_KIND_TRADE_UNION);
    r.mutable_organization()->set_founding_date("2011-05-01");
    r.mutable_organization()->set_decision_number("11/QĐ-LĐLĐ");
    r.mutable_organization()->set_founding_body("bodies/hk-labour-federation");
    reg::Organization out;
    grpc::ClientContext ctx;
    Authorize(ctx, kHoanKiem);
    ASSERT_TRUE(registry_->CreateOrganization(&ctx, r, &out).ok());
  }
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        rep::GetProgressRequest r;
        r.set_unit("units/00037");
        r.set_year(2011);
        rep::Progress p;
        grpc::ClientContext ctx;
        Authorize(ctx, kWard37);
        return reporting_->GetProgress(&ctx, r, &p).ok() &&
               Achieved(p.indicators(), type::v1::INDICATOR_NEW_TRADE_UNIONS) == 1;
      },
      std::chrono::seconds(30)));
  ASSERT_TRUE(Submit(kWard37, ward).ok());
  ASSERT_TRUE(Approve(kHoanKiem, ward).ok());
  grpc::Status stale = Approve(kCity, district);
  EXPECT_EQ(stale.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(stale.error_message(), ward)) << stale.error_message();
  // Returned and submitted again, it is approved.
  ASSERT_TRUE(Return(kCity, district, "Cập nhật theo phường").ok());
  ASSERT_TRUE(Submit(kHoanKiem, district).ok());
  rep::Report approved;
  ASSERT_TRUE(Approve(kCity, district, &approved).ok());
  EXPECT_EQ(approved.state(), rep::REPORT_STATE_APPROVED);
}

TEST_F(ApprovalsE2ETest, HostileNamesAreRefusedNamingTheField) {
  for (const std::string name :
       {"units/002/reports/13", "units/002/reports/abcd", "units/002/reports/20130",
        "units/002/reports/", "units/002/reports/2013/x", "units/002/plans/2013",
        "units/002/reports/1999", "units/%2e%2e/reports/2013"}) {
    grpc::Status s = Submit(kHoanKiem, name);
    EXPECT_TRUE(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT ||
                s.error_code() == grpc::StatusCode::PERMISSION_DENIED)
        << name << ": " << s.error_code() << " " << s.error_message();
    if (s.error_code() == grpc::StatusCode::INVALID_ARGUMENT) {
      EXPECT_TRUE(absl::StrContains(s.error_message(), "name")) << s.error_message();
    }
  }
  // Out of scope and nonexistent answer alike.
  grpc::Status other = Submit(kHoanKiem, "units/003/reports/2013");
  grpc::Status missing = Submit(kHoanKiem, "units/999/reports/2013");
  EXPECT_EQ(other.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(other.error_message(), missing.error_message());
  // Whoever submitted a report may not approve it, even with the scope to.
  ASSERT_TRUE(Submit(kCity, "units/003/reports/2013").ok());
  grpc::Status self = Approve(kCity, "units/003/reports/2013");
  EXPECT_EQ(self.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(self.error_message(), "someone other than"))
      << self.error_message();
  EXPECT_EQ(Get(kTayHo, "units/003/reports/2013").state(), rep::REPORT_STATE_SUBMITTED);
  // A province's own report has no approver here: it is not submitted.
  grpc::Status root = Submit(kCity, "units/01/reports/2013");
  EXPECT_EQ(root.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(root.error_message(), "no unit above it")) << root.error_message();
  // A stale etag is refused and nothing moves.
  rep::SubmitReportRequest r;
  r.set_name("units/002/reports/2012");
  r.set_etag("v9");
  rep::Report out;
  grpc::ClientContext ctx;
  Authorize(ctx, kHoanKiem);
  EXPECT_EQ(reporting_->SubmitReport(&ctx, r, &out).error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(Get(kHoanKiem, "units/002/reports/2012").state(), rep::REPORT_STATE_OPEN);
}

TEST_F(ApprovalsE2ETest, TheWorkflowOverHttpJson) {
  httplib::Client http("127.0.0.1", stack_->http_port());
  httplib::Headers auth = {{"Authorization", "Bearer " + kHoanKiem.secret}};
  auto submitted = http.Post("/v1/units/002/reports/2010:submit", auth,
                             R"({"requestId":"http-submit-2010"})", "application/json");
  ASSERT_TRUE(submitted);
  ASSERT_EQ(submitted->status, 200) << submitted->body;
  auto body = nlohmann::json::parse(submitted->body);
  EXPECT_EQ(body["state"], "REPORT_STATE_SUBMITTED");
  EXPECT_TRUE(absl::StartsWith(body["snapshot"]["contentHash"].get<std::string>(), "sha256:"));
  // A retry with the same request id gets the same answer.
  auto retried = http.Post("/v1/units/002/reports/2010:submit", auth,
                           R"({"requestId":"http-submit-2010"})", "application/json");
  ASSERT_TRUE(retried);
  EXPECT_EQ(retried->status, 200) << retried->body;
  auto got = http.Get("/v1/units/002/reports/2010", auth);
  ASSERT_TRUE(got);
  ASSERT_EQ(got->status, 200);
  EXPECT_EQ(nlohmann::json::parse(got->body)["state"], "REPORT_STATE_SUBMITTED");
  auto returned =
      http.Post("/v1/units/002/reports/2010:return", {{"Authorization", "Bearer " + kCity.secret}},
                R"({"reason":""})", "application/json");
  ASSERT_TRUE(returned);
  EXPECT_EQ(returned->status, 400) << returned->body;
  EXPECT_TRUE(absl::StrContains(returned->body, "reason")) << returned->body;
  // Bulk and completeness over HTTP: the wards of 2010 submitted, then
  // approved at once with a result per ward.
  for (const auto& [ward, key] :
       {std::pair{"00037", kWard37.secret}, std::pair{"00040", kWard40.secret}}) {
    auto w = http.Post(absl::StrCat("/v1/units/", ward, "/reports/2010:submit"),
                       {{"Authorization", "Bearer " + key}}, "{}", "application/json");
    ASSERT_TRUE(w);
    ASSERT_EQ(w->status, 200) << w->body;
  }
  auto batch = http.Post("/v1/units/002/reports:batchApprove", auth,
                         R"({"year":2010,"requestId":"http-batch-2010"})", "application/json");
  ASSERT_TRUE(batch);
  ASSERT_EQ(batch->status, 200) << batch->body;
  auto results = nlohmann::json::parse(batch->body)["results"];
  ASSERT_EQ(results.size(), 2u) << batch->body;
  for (const auto& r : results) {
    EXPECT_EQ(r["state"], "REPORT_STATE_APPROVED") << batch->body;
  }
  auto view = http.Get("/v1/units/002/reportingCompleteness?year=2010", auth);
  ASSERT_TRUE(view);
  ASSERT_EQ(view->status, 200) << view->body;
  auto rates = nlohmann::json::parse(view->body)["rates"];
  // The district has no 2010 target: only its wards are expected.
  ASSERT_EQ(rates.size(), 1u) << view->body;
  EXPECT_EQ(rates[0]["depth"], 1) << view->body;
  EXPECT_EQ(rates[0]["submitted"], 2) << view->body;
}

}  // namespace
}  // namespace chitieu

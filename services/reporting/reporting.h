#pragma once

// Domain layer of the reporting service: progress against targets, status
// summaries, coverage, candidate and fostering lists, comparisons,
// rankings and the year-end report, computed from the read model. No gRPC.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "chitieu/reporting/v1/reporting.pb.h"
#include "libs/common/dates.h"
#include "libs/common/policy.h"
#include "services/reporting/report_documents.h"
#include "services/reporting/reporting_store.h"

namespace chitieu::reporting {

namespace pb = ::chitieu::reporting::v1;

// Whether each source feed is connected, as its follower last saw it;
// reports state it beside their lag. Implemented by FeedHealth
// (feed_health.h), which also publishes it through grpc.health.v1.
class FeedStatus {
 public:
  virtual ~FeedStatus() = default;
  virtual bool connected(const std::string& source) const = 0;
};

// The indicator an organization kind counts towards (an admission, kind 0:
// new Party members); the inverse of the kind an indicator counts.
::chitieu::type::v1::Indicator IndicatorOfKind(int kind);

// INVALID_ARGUMENT naming `field` unless `year` is from 2000 to 2999.
absl::Status CheckReportYear(int year, const std::string& field);

class Reporting {
 public:
  Reporting(ReportingStore* store, const FeedStatus* health, TodayFn today)
      : store_(store), health_(health), today_(std::move(today)) {}

  absl::StatusOr<pb::Progress> GetProgress(const pb::GetProgressRequest& request);
  absl::StatusOr<pb::EnterpriseStatusSummary> GetEnterpriseStatusSummary(
      const pb::GetEnterpriseStatusSummaryRequest& request);
  absl::StatusOr<pb::Coverage> GetCoverage(const pb::GetCoverageRequest& request);
  absl::StatusOr<pb::ListFoundingCandidatesResponse> ListFoundingCandidates(
      const pb::ListFoundingCandidatesRequest& request);
  absl::StatusOr<pb::ListFosteringCasesResponse> ListFosteringCases(
      const pb::ListFosteringCasesRequest& request);
  absl::StatusOr<pb::CompareYearsResponse> CompareYears(const pb::CompareYearsRequest& request);
  absl::StatusOr<pb::RankUnitsResponse> RankUnits(const pb::RankUnitsRequest& request);
  // The CSV lines of ExportReport, the header first; with `approved` (a
  // report APPROVED or ACCEPTED), the figures as approved.
  absl::StatusOr<std::vector<std::string>> ExportReport(const pb::ExportReportRequest& request,
                                                        const pb::Report* approved = nullptr);
  // With `approved` (a report APPROVED or ACCEPTED), the figures as
  // approved, its stamp, and what changed since.
  absl::StatusOr<pb::YearEndReport> GetYearEndReport(const pb::GetYearEndReportRequest& request,
                                                     const pb::Report* approved = nullptr);
  // The year's figures as an Excel workbook (report_xlsx.h); with
  // `approved`, the figures as approved.
  absl::StatusOr<std::string> ExportWorkbook(const pb::ExportReportRequest& request,
                                             const pb::Report* approved = nullptr);
  // The year-end report as a PDF (report_pdf.h); with `approved`, as
  // GetYearEndReport.
  absl::StatusOr<std::string> YearEndReportPdf(const std::string& unit, int year,
                                               const pb::Report* approved = nullptr);

  // The year's figures of a unit (by code), with the breakdowns by child
  // unit and founding body when `breakdowns`.
  absl::StatusOr<pb::Progress> Figures(const std::string& unit_code, int year, bool breakdowns) {
    return Compute(unit_code, year, breakdowns);
  }

  // Where the model stands in each feed.
  absl::StatusOr<std::vector<pb::FeedLag>> Lag();

 private:
  // The lag, then the response `figures()` builds, with the lag added to
  // it: every answer that carries a lag reads it before its figures (Lag).
  template <typename Build>
  auto WithLag(const Build& figures) -> decltype(figures());

  // A year's figures of `unit` ("units/…", checked with `year`): its
  // progress with breakdowns, the indicators as `approved` if given.
  struct YearFigures {
    std::string code;
    std::string unit_name;
    pb::Progress progress;
  };
  absl::StatusOr<YearFigures> FiguresOf(const std::string& unit, int year,
                                        const pb::Report* approved);
  // What the year-end report of `unit` ("units/…") for `year` says.
  absl::StatusOr<YearEndContent> YearEndOf(const std::string& unit, int year,
                                           const pb::Report* approved);
  // Progress of `unit_code` (no breakdowns when `breakdowns` is false).
  absl::StatusOr<pb::Progress> Compute(const std::string& unit_code, int year, bool breakdowns);
  // Each child's targets and achieved figures for `year`, keyed by
  // "units/…", read in one query each (not one per child).
  struct UnitFigures {
    CountsByIndicator targets;
    Achieved achieved;
  };
  absl::StatusOr<std::map<std::string, UnitFigures>> ChildFigures(
      const std::string& unit_code, const std::vector<NamedKey>& children, int year);
  absl::StatusOr<std::string> CheckUnit(const std::string& name, const std::string& field);

  ReportingStore* store_;
  const FeedStatus* health_;
  TodayFn today_;
};

// What the policy (libs/common/policy.h) needs to know, from the read
// model: the reporting service re-checks each call's scope with it, and
// keeps answering while the registry is down.
class ReportingDirectory : public ResourceDirectory {
 public:
  explicit ReportingDirectory(ReportingStore* store) : store_(store) {}
  absl::StatusOr<std::string> ParentOf(const std::string& unit) override;
  absl::StatusOr<std::vector<std::string>> Roots() override;
  absl::StatusOr<std::string> SeatOf(const std::string& enterprise) override;
  // Reports name no body or target as their subject.
  absl::StatusOr<std::string> UnitOfBody(const std::string& body) override;
  absl::StatusOr<std::string> AssignerOf(const std::string& target) override;

 private:
  ReportingStore* store_;
};

}  // namespace chitieu::reporting

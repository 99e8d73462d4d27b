#pragma once

// Domain layer of the reporting service: progress against targets, status
// summaries, coverage, candidate and fostering lists, comparisons,
// rankings and the year-end report, computed from the read model. No gRPC.

#include <grpcpp/health_check_service_interface.h>

#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "chitieu/reporting/v1/reporting.pb.h"
#include "libs/common/dates.h"
#include "libs/common/policy.h"
#include "services/reporting/reporting_store.h"

namespace chitieu::reporting {

namespace pb = ::chitieu::reporting::v1;

// Whether each source feed is connected; set by the followers, read by
// reports (which state their lag) and published through grpc.health.v1
// under "chitieu.reporting.feed.registry" and "chitieu.reporting.feed.quota"
// (SERVING while connected). Thread-safe.
class FeedHealth {
 public:
  // Publishes the feeds' state to `health` from now on.
  void Publish(grpc::HealthCheckServiceInterface* health) {
    absl::MutexLock lock(&mu_);
    health_ = health;
    health_->SetServingStatus(HealthName(kRegistrySource), registry_);
    health_->SetServingStatus(HealthName(kQuotaSource), quota_);
  }
  void SetConnected(const std::string& source, bool connected) {
    absl::MutexLock lock(&mu_);
    (source == kRegistrySource ? registry_ : quota_) = connected;
    if (health_ != nullptr) health_->SetServingStatus(HealthName(source), connected);
  }
  static std::string HealthName(const std::string& source) {
    return "chitieu.reporting.feed." + source;
  }
  bool connected(const std::string& source) const {
    absl::MutexLock lock(&mu_);
    return source == kRegistrySource ? registry_ : quota_;
  }

 private:
  mutable absl::Mutex mu_;
  bool registry_ ABSL_GUARDED_BY(mu_) = false;
  bool quota_ ABSL_GUARDED_BY(mu_) = false;
  grpc::HealthCheckServiceInterface* health_ ABSL_GUARDED_BY(mu_) = nullptr;
};

class Reporting {
 public:
  Reporting(ReportingStore* store, const FeedHealth* health, TodayFn today)
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
  // The CSV lines of ExportReport, the header first.
  absl::StatusOr<std::vector<std::string>> ExportReport(const pb::ExportReportRequest& request);
  absl::StatusOr<pb::YearEndReport> GetYearEndReport(const pb::GetYearEndReportRequest& request);

  // Where the model stands in each feed.
  absl::StatusOr<std::vector<pb::FeedLag>> Lag();

 private:
  // Progress of `unit_code` (no breakdowns when `breakdowns` is false).
  absl::StatusOr<pb::Progress> Compute(const std::string& unit_code, int year, bool breakdowns);
  // Each child's targets and achieved figures for `year`, keyed by
  // "units/…", read in one query each (not one per child).
  using Figures = std::pair<std::map<int, int64_t>, Achieved>;
  absl::StatusOr<std::map<std::string, Figures>> ChildFigures(const std::string& unit_code,
                                                              const std::vector<NamedKey>& children,
                                                              int year);
  absl::StatusOr<std::string> CheckUnit(const std::string& name, const std::string& field);

  ReportingStore* store_;
  const FeedHealth* health_;
  TodayFn today_;
};

// "Tổ chức đảng thành lập mới", … : the Vietnamese label of an indicator.
std::string IndicatorLabel(::chitieu::type::v1::Indicator indicator);

// One RFC 4180 CSV line from fields.
std::string CsvLine(const std::vector<std::string>& fields);

// What the policy (libs/common/policy.h) needs to know, from the read
// model: the reporting service re-checks each call's scope with it, and
// keeps answering while the registry is down.
class ReportingResources : public ResourceDirectory {
 public:
  explicit ReportingResources(ReportingStore* store) : store_(store) {}
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

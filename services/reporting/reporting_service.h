#pragma once

// Transport layer of the reporting service.

#include "chitieu/reporting/v1/reporting.grpc.pb.h"
#include "libs/common/feed.h"
#include "services/reporting/approval_store.h"
#include "services/reporting/reporting.h"
#include "services/reporting/reporting_approvals.h"

namespace chitieu::reporting {

class ReportingService final : public pb::ReportingService::CallbackService {
 public:
  static constexpr const char* kFullName = pb::ReportingService::service_full_name();

  // Progress and the year-end report come through `approvals`, which adds
  // the year's report to them; approvals' feed is read from `store`.
  ReportingService(Reporting* reporting, Approvals* approvals, ApprovalStore* store,
                   ChangeNotifier* notifier)
      : reporting_(reporting), approvals_(approvals), store_(store), notifier_(notifier) {}

  grpc::ServerUnaryReactor* GetProgress(grpc::CallbackServerContext* context,
                                        const pb::GetProgressRequest* request,
                                        pb::Progress* response) override;
  grpc::ServerUnaryReactor* GetEnterpriseStatusSummary(
      grpc::CallbackServerContext* context, const pb::GetEnterpriseStatusSummaryRequest* request,
      pb::EnterpriseStatusSummary* response) override;
  grpc::ServerUnaryReactor* GetCoverage(grpc::CallbackServerContext* context,
                                        const pb::GetCoverageRequest* request,
                                        pb::Coverage* response) override;
  grpc::ServerUnaryReactor* ListFoundingCandidates(
      grpc::CallbackServerContext* context, const pb::ListFoundingCandidatesRequest* request,
      pb::ListFoundingCandidatesResponse* response) override;
  grpc::ServerUnaryReactor* ListFosteringCases(grpc::CallbackServerContext* context,
                                               const pb::ListFosteringCasesRequest* request,
                                               pb::ListFosteringCasesResponse* response) override;
  grpc::ServerUnaryReactor* CompareYears(grpc::CallbackServerContext* context,
                                         const pb::CompareYearsRequest* request,
                                         pb::CompareYearsResponse* response) override;
  grpc::ServerUnaryReactor* RankUnits(grpc::CallbackServerContext* context,
                                      const pb::RankUnitsRequest* request,
                                      pb::RankUnitsResponse* response) override;
  grpc::ServerUnaryReactor* GetYearEndReport(grpc::CallbackServerContext* context,
                                             const pb::GetYearEndReportRequest* request,
                                             pb::YearEndReport* response) override;

  grpc::ServerWriteReactor<pb::ExportReportResponse>* ExportReport(
      grpc::CallbackServerContext* c, const pb::ExportReportRequest* r) override;
  grpc::ServerUnaryReactor* DownloadExport(grpc::CallbackServerContext* context,
                                           const pb::DownloadExportRequest* request,
                                           google::api::HttpBody* response) override;
  grpc::ServerUnaryReactor* DownloadYearEndReport(grpc::CallbackServerContext* context,
                                                  const pb::DownloadYearEndReportRequest* request,
                                                  google::api::HttpBody* response) override;

  // Approvals (reporting_approval_service.cc).
  grpc::ServerUnaryReactor* GetReport(grpc::CallbackServerContext* context,
                                      const pb::GetReportRequest* request,
                                      pb::Report* response) override;
  grpc::ServerUnaryReactor* ListReportTransitions(
      grpc::CallbackServerContext* context, const pb::ListReportTransitionsRequest* request,
      pb::ListReportTransitionsResponse* response) override;
  grpc::ServerUnaryReactor* SubmitReport(grpc::CallbackServerContext* context,
                                         const pb::SubmitReportRequest* request,
                                         pb::Report* response) override;
  grpc::ServerUnaryReactor* ApproveReport(grpc::CallbackServerContext* context,
                                          const pb::ApproveReportRequest* request,
                                          pb::Report* response) override;
  grpc::ServerUnaryReactor* ReturnReport(grpc::CallbackServerContext* context,
                                         const pb::ReturnReportRequest* request,
                                         pb::Report* response) override;
  grpc::ServerUnaryReactor* AcceptReport(grpc::CallbackServerContext* context,
                                         const pb::AcceptReportRequest* request,
                                         pb::Report* response) override;
  grpc::ServerUnaryReactor* ReopenReport(grpc::CallbackServerContext* context,
                                         const pb::ReopenReportRequest* request,
                                         pb::Report* response) override;
  grpc::ServerUnaryReactor* BatchApproveReports(
      grpc::CallbackServerContext* context, const pb::BatchApproveReportsRequest* request,
      pb::BatchReportTransitionResponse* response) override;
  grpc::ServerUnaryReactor* BatchAcceptReports(
      grpc::CallbackServerContext* context, const pb::BatchAcceptReportsRequest* request,
      pb::BatchReportTransitionResponse* response) override;
  grpc::ServerUnaryReactor* GetReportingCompleteness(
      grpc::CallbackServerContext* context, const pb::GetReportingCompletenessRequest* request,
      pb::ReportingCompleteness* response) override;
  grpc::ServerUnaryReactor* SetReportDeadline(grpc::CallbackServerContext* context,
                                              const pb::SetReportDeadlineRequest* request,
                                              pb::ReportDeadline* response) override;
  grpc::ServerWriteReactor<pb::StreamChangesResponse>* StreamChanges(
      grpc::CallbackServerContext* c, const pb::StreamChangesRequest* r) override;

 private:
  Reporting* reporting_;
  Approvals* approvals_;
  ApprovalStore* store_;
  ChangeNotifier* notifier_;
};

}  // namespace chitieu::reporting

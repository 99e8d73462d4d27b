#pragma once

// Transport layer of the reporting service.

#include "chitieu/reporting/v1/reporting.grpc.pb.h"
#include "services/reporting/reporting.h"

namespace chitieu::reporting {

class ReportingService final : public pb::ReportingService::CallbackService {
 public:
  static constexpr const char* kFullName = pb::ReportingService::service_full_name();

  explicit ReportingService(Reporting* reporting) : reporting_(reporting) {}

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

 private:
  Reporting* reporting_;
};

}  // namespace chitieu::reporting

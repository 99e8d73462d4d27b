#pragma once

// Transport layer of the reporting service.

#include "chitieu/reporting/v1/reporting.grpc.pb.h"
#include "services/reporting/reporting.h"

namespace chitieu::reporting {

class ReportingService final : public pb::ReportingService::CallbackService {
 public:
  static constexpr const char* kFullName = pb::ReportingService::service_full_name();

  explicit ReportingService(Reporting* reporting) : reporting_(reporting) {}

#define CHITIEU_DECLARE_UNARY(Method, Request, Response)                                 \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* c, const pb::Request* r, \
                                   pb::Response* out) override;
  CHITIEU_DECLARE_UNARY(GetProgress, GetProgressRequest, Progress)
  CHITIEU_DECLARE_UNARY(GetEnterpriseStatusSummary, GetEnterpriseStatusSummaryRequest,
                        EnterpriseStatusSummary)
  CHITIEU_DECLARE_UNARY(GetCoverage, GetCoverageRequest, Coverage)
  CHITIEU_DECLARE_UNARY(ListFoundingCandidates, ListFoundingCandidatesRequest,
                        ListFoundingCandidatesResponse)
  CHITIEU_DECLARE_UNARY(ListFosteringCases, ListFosteringCasesRequest, ListFosteringCasesResponse)
  CHITIEU_DECLARE_UNARY(CompareYears, CompareYearsRequest, CompareYearsResponse)
  CHITIEU_DECLARE_UNARY(RankUnits, RankUnitsRequest, RankUnitsResponse)
  CHITIEU_DECLARE_UNARY(GetYearEndReport, GetYearEndReportRequest, YearEndReport)
#undef CHITIEU_DECLARE_UNARY

  grpc::ServerWriteReactor<pb::ExportReportResponse>* ExportReport(
      grpc::CallbackServerContext* c, const pb::ExportReportRequest* r) override;

 private:
  Reporting* reporting_;
};

}  // namespace chitieu::reporting

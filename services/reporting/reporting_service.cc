#include "services/reporting/reporting_service.h"

#include "libs/common/grpc_status.h"
#include "libs/common/principal.h"

namespace chitieu::reporting {
namespace {

// Streams CSV lines, one message each.
class CsvWriter : public grpc::ServerWriteReactor<pb::ExportReportResponse> {
 public:
  explicit CsvWriter(absl::StatusOr<std::vector<std::string>> lines) {
    if (!lines.ok()) {
      Finish(ToGrpcStatus(lines.status()));
      return;
    }
    lines_ = std::move(*lines);
    Next();
  }
  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "stream write failed"));
      return;
    }
    Next();
  }
  void OnDone() override { delete this; }

 private:
  void Next() {
    if (next_ == lines_.size()) {
      Finish(grpc::Status::OK);
      return;
    }
    response_.set_csv_row(std::move(lines_[next_++]));
    StartWrite(&response_);
  }
  std::vector<std::string> lines_;
  size_t next_ = 0;
  pb::ExportReportResponse response_;
};

}  // namespace

#define CHITIEU_UNARY(Method, Request, Response) \
  CHITIEU_UNARY_HANDLER(ReportingService, reporting_, Method, Request, Response)
CHITIEU_UNARY(GetProgress, GetProgressRequest, Progress)
CHITIEU_UNARY(GetEnterpriseStatusSummary, GetEnterpriseStatusSummaryRequest,
              EnterpriseStatusSummary)
CHITIEU_UNARY(GetCoverage, GetCoverageRequest, Coverage)
CHITIEU_UNARY(ListFoundingCandidates, ListFoundingCandidatesRequest, ListFoundingCandidatesResponse)
CHITIEU_UNARY(ListFosteringCases, ListFosteringCasesRequest, ListFosteringCasesResponse)
CHITIEU_UNARY(CompareYears, CompareYearsRequest, CompareYearsResponse)
CHITIEU_UNARY(RankUnits, RankUnitsRequest, RankUnitsResponse)
CHITIEU_UNARY(GetYearEndReport, GetYearEndReportRequest, YearEndReport)
#undef CHITIEU_UNARY

grpc::ServerWriteReactor<pb::ExportReportResponse>* ReportingService::ExportReport(
    grpc::CallbackServerContext* c, const pb::ExportReportRequest* r) {
  absl::Status admitted = AdmitCall(*c, CHITIEU_METHOD_PATH(ReportingService, ExportReport), *r);
  return new CsvWriter(admitted.ok() ? reporting_->ExportReport(*r)
                                     : absl::StatusOr<std::vector<std::string>>(admitted));
}

}  // namespace chitieu::reporting

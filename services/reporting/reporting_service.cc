// The reporting service's gRPC handlers, the CSV export stream among them
// (reporting_service.h).

#include "services/reporting/reporting_service.h"

#include "libs/common/grpc_status.h"
#include "libs/common/handler.h"
#include "libs/common/principal.h"

namespace chitieu::reporting {
namespace {

// Streams CSV lines, one message each, once Start gives them.
class CsvWriter : public grpc::ServerWriteReactor<pb::ExportReportResponse> {
 public:
  void Start(absl::StatusOr<std::vector<std::string>> lines) {
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

grpc::ServerUnaryReactor* ReportingService::GetProgress(grpc::CallbackServerContext* context,
                                                        const pb::GetProgressRequest* request,
                                                        pb::Progress* response) {
  static const std::string kPath = MethodPath(kFullName, "GetProgress");
  return Serve(context, kPath, *request, response,
               [this](const pb::GetProgressRequest& r) { return approvals_->GetProgress(r); });
}

grpc::ServerUnaryReactor* ReportingService::GetEnterpriseStatusSummary(
    grpc::CallbackServerContext* context, const pb::GetEnterpriseStatusSummaryRequest* request,
    pb::EnterpriseStatusSummary* response) {
  static const std::string kPath = MethodPath(kFullName, "GetEnterpriseStatusSummary");
  return Serve(context, kPath, *request, response,
               [this](const pb::GetEnterpriseStatusSummaryRequest& r) {
                 return reporting_->GetEnterpriseStatusSummary(r);
               });
}

grpc::ServerUnaryReactor* ReportingService::GetCoverage(grpc::CallbackServerContext* context,
                                                        const pb::GetCoverageRequest* request,
                                                        pb::Coverage* response) {
  static const std::string kPath = MethodPath(kFullName, "GetCoverage");
  return Serve(context, kPath, *request, response,
               [this](const pb::GetCoverageRequest& r) { return reporting_->GetCoverage(r); });
}

grpc::ServerUnaryReactor* ReportingService::ListFoundingCandidates(
    grpc::CallbackServerContext* context, const pb::ListFoundingCandidatesRequest* request,
    pb::ListFoundingCandidatesResponse* response) {
  static const std::string kPath = MethodPath(kFullName, "ListFoundingCandidates");
  return Serve(context, kPath, *request, response,
               [this](const pb::ListFoundingCandidatesRequest& r) {
                 return reporting_->ListFoundingCandidates(r);
               });
}

grpc::ServerUnaryReactor* ReportingService::ListFosteringCases(
    grpc::CallbackServerContext* context, const pb::ListFosteringCasesRequest* request,
    pb::ListFosteringCasesResponse* response) {
  static const std::string kPath = MethodPath(kFullName, "ListFosteringCases");
  return Serve(context, kPath, *request, response, [this](const pb::ListFosteringCasesRequest& r) {
    return reporting_->ListFosteringCases(r);
  });
}

grpc::ServerUnaryReactor* ReportingService::CompareYears(grpc::CallbackServerContext* context,
                                                         const pb::CompareYearsRequest* request,
                                                         pb::CompareYearsResponse* response) {
  static const std::string kPath = MethodPath(kFullName, "CompareYears");
  return Serve(context, kPath, *request, response,
               [this](const pb::CompareYearsRequest& r) { return reporting_->CompareYears(r); });
}

grpc::ServerUnaryReactor* ReportingService::RankUnits(grpc::CallbackServerContext* context,
                                                      const pb::RankUnitsRequest* request,
                                                      pb::RankUnitsResponse* response) {
  static const std::string kPath = MethodPath(kFullName, "RankUnits");
  return Serve(context, kPath, *request, response,
               [this](const pb::RankUnitsRequest& r) { return reporting_->RankUnits(r); });
}

grpc::ServerUnaryReactor* ReportingService::GetYearEndReport(
    grpc::CallbackServerContext* context, const pb::GetYearEndReportRequest* request,
    pb::YearEndReport* response) {
  static const std::string kPath = MethodPath(kFullName, "GetYearEndReport");
  return Serve(context, kPath, *request, response, [this](const pb::GetYearEndReportRequest& r) {
    return approvals_->GetYearEndReport(r);
  });
}

grpc::ServerUnaryReactor* ReportingService::DownloadExport(grpc::CallbackServerContext* context,
                                                           const pb::DownloadExportRequest* request,
                                                           google::api::HttpBody* response) {
  static const std::string kPath = MethodPath(kFullName, "DownloadExport");
  return Serve(context, kPath, *request, response, [this](const pb::DownloadExportRequest& r) {
    return approvals_->DownloadExport(r);
  });
}

grpc::ServerUnaryReactor* ReportingService::DownloadYearEndReport(
    grpc::CallbackServerContext* context, const pb::DownloadYearEndReportRequest* request,
    google::api::HttpBody* response) {
  static const std::string kPath = MethodPath(kFullName, "DownloadYearEndReport");
  return Serve(context, kPath, *request, response,
               [this](const pb::DownloadYearEndReportRequest& r) {
                 return approvals_->DownloadYearEndReport(r);
               });
}

grpc::ServerWriteReactor<pb::ExportReportResponse>* ReportingService::ExportReport(
    grpc::CallbackServerContext* c, const pb::ExportReportRequest* r) {
  static const std::string kPath = MethodPath(kFullName, "ExportReport");
  auto* writer = new CsvWriter();
  // The report is read on a handler thread (libs/common/handler.h).
  StartCall(c, kPath, *r, [this, r, writer](absl::Status admitted) {
    writer->Start(admitted.ok() ? approvals_->ExportReport(*r)
                                : absl::StatusOr<std::vector<std::string>>(admitted));
  });
  return writer;
}

}  // namespace chitieu::reporting

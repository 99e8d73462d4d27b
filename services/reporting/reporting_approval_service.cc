// The reporting service's gRPC handlers for report approvals and their
// change feed (reporting_service.h).

#include "libs/common/handler.h"
#include "libs/common/principal.h"
#include "services/reporting/reporting_service.h"

namespace chitieu::reporting {

grpc::ServerUnaryReactor* ReportingService::GetReport(grpc::CallbackServerContext* context,
                                                      const pb::GetReportRequest* request,
                                                      pb::Report* response) {
  static const std::string kPath = MethodPath(kFullName, "GetReport");
  return Serve(context, kPath, *request, response, [this, context](const pb::GetReportRequest& r) {
    return approvals_->GetReport(r, VouchedPrincipal(*context));
  });
}

grpc::ServerUnaryReactor* ReportingService::ListReportTransitions(
    grpc::CallbackServerContext* context, const pb::ListReportTransitionsRequest* request,
    pb::ListReportTransitionsResponse* response) {
  static const std::string kPath = MethodPath(kFullName, "ListReportTransitions");
  return Serve(context, kPath, *request, response,
               [this, context](const pb::ListReportTransitionsRequest& r) {
                 return approvals_->ListReportTransitions(r, VouchedPrincipal(*context));
               });
}

grpc::ServerUnaryReactor* ReportingService::SubmitReport(grpc::CallbackServerContext* context,
                                                         const pb::SubmitReportRequest* request,
                                                         pb::Report* response) {
  static const std::string kPath = MethodPath(kFullName, "SubmitReport");
  return Serve(context, kPath, *request, response,
               [this, context](const pb::SubmitReportRequest& r) {
                 return approvals_->SubmitReport(r, PrincipalOf(*context));
               });
}

grpc::ServerUnaryReactor* ReportingService::ApproveReport(grpc::CallbackServerContext* context,
                                                          const pb::ApproveReportRequest* request,
                                                          pb::Report* response) {
  static const std::string kPath = MethodPath(kFullName, "ApproveReport");
  return Serve(context, kPath, *request, response,
               [this, context](const pb::ApproveReportRequest& r) {
                 return approvals_->ApproveReport(r, PrincipalOf(*context));
               });
}

grpc::ServerUnaryReactor* ReportingService::ReturnReport(grpc::CallbackServerContext* context,
                                                         const pb::ReturnReportRequest* request,
                                                         pb::Report* response) {
  static const std::string kPath = MethodPath(kFullName, "ReturnReport");
  return Serve(context, kPath, *request, response,
               [this, context](const pb::ReturnReportRequest& r) {
                 return approvals_->ReturnReport(r, PrincipalOf(*context));
               });
}

grpc::ServerUnaryReactor* ReportingService::AcceptReport(grpc::CallbackServerContext* context,
                                                         const pb::AcceptReportRequest* request,
                                                         pb::Report* response) {
  static const std::string kPath = MethodPath(kFullName, "AcceptReport");
  return Serve(context, kPath, *request, response,
               [this, context](const pb::AcceptReportRequest& r) {
                 return approvals_->AcceptReport(r, PrincipalOf(*context));
               });
}

grpc::ServerUnaryReactor* ReportingService::ReopenReport(grpc::CallbackServerContext* context,
                                                         const pb::ReopenReportRequest* request,
                                                         pb::Report* response) {
  static const std::string kPath = MethodPath(kFullName, "ReopenReport");
  return Serve(context, kPath, *request, response,
               [this, context](const pb::ReopenReportRequest& r) {
                 return approvals_->ReopenReport(r, PrincipalOf(*context));
               });
}

grpc::ServerUnaryReactor* ReportingService::BatchApproveReports(
    grpc::CallbackServerContext* context, const pb::BatchApproveReportsRequest* request,
    pb::BatchReportTransitionResponse* response) {
  static const std::string kPath = MethodPath(kFullName, "BatchApproveReports");
  return Serve(context, kPath, *request, response,
               [this, context](const pb::BatchApproveReportsRequest& r) {
                 return approvals_->BatchApproveReports(r, PrincipalOf(*context));
               });
}

grpc::ServerUnaryReactor* ReportingService::BatchAcceptReports(
    grpc::CallbackServerContext* context, const pb::BatchAcceptReportsRequest* request,
    pb::BatchReportTransitionResponse* response) {
  static const std::string kPath = MethodPath(kFullName, "BatchAcceptReports");
  return Serve(context, kPath, *request, response,
               [this, context](const pb::BatchAcceptReportsRequest& r) {
                 return approvals_->BatchAcceptReports(r, PrincipalOf(*context));
               });
}

grpc::ServerUnaryReactor* ReportingService::GetReportingCompleteness(
    grpc::CallbackServerContext* context, const pb::GetReportingCompletenessRequest* request,
    pb::ReportingCompleteness* response) {
  static const std::string kPath = MethodPath(kFullName, "GetReportingCompleteness");
  return Serve(context, kPath, *request, response,
               [this](const pb::GetReportingCompletenessRequest& r) {
                 return approvals_->GetReportingCompleteness(r);
               });
}

grpc::ServerUnaryReactor* ReportingService::SetReportDeadline(
    grpc::CallbackServerContext* context, const pb::SetReportDeadlineRequest* request,
    pb::ReportDeadline* response) {
  static const std::string kPath = MethodPath(kFullName, "SetReportDeadline");
  return Serve(context, kPath, *request, response,
               [this, context](const pb::SetReportDeadlineRequest& r) {
                 return approvals_->SetReportDeadline(r, PrincipalOf(*context));
               });
}

grpc::ServerWriteReactor<pb::StreamChangesResponse>* ReportingService::StreamChanges(
    grpc::CallbackServerContext* c, const pb::StreamChangesRequest* r) {
  static const std::string kPath = MethodPath(kFullName, "StreamChanges");
  return StartChangeStream<pb::StreamChangesResponse>(c, kPath, *r, notifier_, store_);
}

}  // namespace chitieu::reporting

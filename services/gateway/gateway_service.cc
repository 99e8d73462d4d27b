// The gateway's own methods: GetScorecard and ListAuditEntries
// (gateway_service.h).

#include "services/gateway/gateway_service.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/common/errors.h"
#include "libs/common/filter.h"
#include "libs/common/grpc_status.h"
#include "libs/common/page_token.h"
#include "libs/common/page_token_seal.h"
#include "libs/common/principal.h"
#include "libs/common/server.h"
#include "libs/common/status_macros.h"
#include "libs/common/transaction.h"
#include "services/gateway/proxy.h"

namespace chitieu::gateway {
namespace {

namespace rep = ::chitieu::reporting::v1;

constexpr char kGetScorecard[] = "/chitieu.gateway.v1.GatewayService/GetScorecard";
constexpr char kListAuditEntries[] = "/chitieu.gateway.v1.GatewayService/ListAuditEntries";

}  // namespace

std::map<std::string, LocalMethod> GatewayService::Methods() {
  return {
      {kGetScorecard,
       UnaryLocalMethod<v1::GetScorecardRequest, v1::Scorecard>(
           /*waits=*/true,
           [this](grpc::ServerContextBase* ctx, const v1::GetScorecardRequest& request,
                  v1::Scorecard* response) { return GetScorecard(ctx, request, response); })},
      {kListAuditEntries,
       UnaryLocalMethod<v1::ListAuditEntriesRequest, v1::ListAuditEntriesResponse>(
           /*waits=*/true,
           [this](grpc::ServerContextBase* ctx, const v1::ListAuditEntriesRequest& request,
                  v1::ListAuditEntriesResponse* response) {
             return ListAuditEntries(ctx, request, response);
           })},
  };
}

absl::StatusOr<Principal> GatewayService::Admit(grpc::ServerContextBase* ctx,
                                                const std::string& method,
                                                const google::protobuf::Message& request,
                                                double cost) {
  ASSIGN_OR_RETURN(auto principal, AdmitAtEdge(*keys_, limits_, *ctx, cost));
  LogPrincipal(ctx, principal.name);
  RETURN_IF_ERROR(policy_->Authorize(principal, method, request));
  return principal;
}

grpc::Status GatewayService::GetScorecard(grpc::ServerContextBase* ctx,
                                          const v1::GetScorecardRequest& request,
                                          v1::Scorecard* response) {
  // Three reporting calls: it costs three of the caller's rate limit.
  auto principal = Admit(ctx, kGetScorecard, request, /*cost=*/3);
  if (!principal.ok()) {
    return ToGrpcStatus(principal.status());
  }
  // The year is checked here, before the three calls whose partial answers
  // a scorecard would otherwise show for a year that cannot be.
  FieldViolations v;
  if (request.unit().empty()) {
    v.Add("unit", "is required");
  }
  if (request.year() < 2000 || request.year() > 2999) {
    v.Add("year", "must be a year from 2000");
  }
  if (auto s = v.ToStatus(); !s.ok()) {
    return ToGrpcStatus(s);
  }
  response->set_unit(request.unit());
  response->set_year(request.year());
  rep::GetProgressRequest progress_req;
  progress_req.set_unit(request.unit());
  progress_req.set_year(request.year());
  rep::GetEnterpriseStatusSummaryRequest summary_req;
  summary_req.set_unit(request.unit());
  summary_req.set_as_of(absl::StrCat(request.year(), "-12-31"));
  rep::ListFoundingCandidatesRequest candidates_req;
  candidates_req.set_unit(request.unit());
  candidates_req.set_kind(type::v1::ORGANIZATION_KIND_PARTY);
  candidates_req.set_year(request.year());
  candidates_req.set_page_size(10);
  // The three at once, on a queue of this worker's own; each failure
  // leaves its part out and names it in `missing`. They end with the
  // caller's call (cancelled with it) and within 10 s whatever deadline it
  // set: a worker is never held longer.
  const auto deadline =
      std::min(ctx->deadline(), std::chrono::system_clock::now() + std::chrono::seconds(10));
  std::unique_ptr<grpc::ClientContext> contexts[3];
  for (auto& c : contexts) {
    c = grpc::ClientContext::FromServerContext(*ctx);
    c->set_deadline(deadline);
    AddPrincipal(*principal, c.get());
  }
  grpc::CompletionQueue cq;
  grpc::Status statuses[3];
  auto progress = reporting_->AsyncGetProgress(contexts[0].get(), progress_req, &cq);
  progress->Finish(response->mutable_progress(), &statuses[0], &statuses[0]);
  auto summary = reporting_->AsyncGetEnterpriseStatusSummary(contexts[1].get(), summary_req, &cq);
  summary->Finish(response->mutable_status_summary(), &statuses[1], &statuses[1]);
  auto candidates = reporting_->AsyncListFoundingCandidates(contexts[2].get(), candidates_req, &cq);
  candidates->Finish(response->mutable_party_candidates(), &statuses[2], &statuses[2]);
  void* tag = nullptr;
  bool ok = false;
  for (int i = 0; i < 3; ++i) {
    cq.Next(&tag, &ok);  // Each comes back: the deadline ends what does not answer.
  }
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  const char* parts[3] = {"progress", "status_summary", "party_candidates"};
  for (int i = 0; i < 3; ++i) {
    if (!statuses[i].ok()) {
      response->add_missing(parts[i]);
    }
  }
  return grpc::Status::OK;
}

grpc::Status GatewayService::ListAuditEntries(grpc::ServerContextBase* ctx,
                                              const v1::ListAuditEntriesRequest& request,
                                              v1::ListAuditEntriesResponse* response) {
  auto principal = Admit(ctx, kListAuditEntries, request, /*cost=*/1);
  if (!principal.ok()) {
    return ToGrpcStatus(principal.status());
  }
  // Page tokens sealed to the caller and the query (page_token_seal.h).
  const std::string binding = PageTokenBinding(principal->name, kListAuditEntries, request);
  auto token = UnsealPageToken(request.page_token(), binding);
  if (!token.ok()) {
    return ToGrpcStatus(token.status());
  }
  auto list = ParseListRequest(request.page_size(), request.filter(), *token,
                               absl::StrCat("audit|", request.filter()));
  if (!list.ok()) {
    return ToGrpcStatus(list.status());
  }
  std::string by_principal, by_method, by_resource;
  for (const auto& t : list->terms) {
    if (t.op != "=") {
      return ToGrpcStatus(InvalidField("filter", "only = is supported"));
    }
    if (t.field == "principal") {
      by_principal = t.value;
    } else if (t.field == "method") {
      by_method = t.value;
    } else if (t.field == "resource") {
      by_resource = t.value;
    } else {
      return ToGrpcStatus(
          InvalidField("filter", "unknown field " + t.field + "; use principal, method, resource"));
    }
  }
  int64_t after = 0;
  if (!list->after.empty()) {
    absl::SimpleAtoi(list->after, &after);
  }
  // An auditor sees the entries about units in scope; only one whose
  // scope covers every province sees them all (and those about no unit).
  auto whole = policy_->CoversWholeSystem(*principal);
  if (!whole.ok()) {
    return ToGrpcStatus(whole.status());
  }
  auto rows = audit_->List(after, list->page_size + 1, by_principal, by_method, by_resource,
                           *whole ? nullptr : &principal->scope);
  if (!rows.ok()) {
    return ToGrpcStatus(rows.status());
  }
  FillPage(
      *response, *rows, *list, [](const v1::AuditEntry& e) { return absl::StrCat(e.sequence()); },
      response->mutable_entries());
  SealResponse(binding, response);
  return grpc::Status::OK;
}

}  // namespace chitieu::gateway

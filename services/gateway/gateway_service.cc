// The gateway's own methods: GetScorecard and ListAuditEntries
// (gateway_service.h).

#include "services/gateway/gateway_service.h"

#include <atomic>

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

// Collects three parallel reporting calls into one Scorecard; each failure
// leaves its part out and names it in `missing`.
struct ScorecardFetch {
  grpc::ServerUnaryReactor* reactor;
  v1::Scorecard* out;
  std::atomic<int> pending{3};
  grpc::ClientContext progress_ctx, summary_ctx, candidates_ctx;
  rep::GetProgressRequest progress_req;
  rep::GetEnterpriseStatusSummaryRequest summary_req;
  rep::ListFoundingCandidatesRequest candidates_req;
  absl::Mutex mu;

  void Done(const char* part, const grpc::Status& status) {
    if (!status.ok()) {
      absl::MutexLock lock(&mu);
      out->add_missing(part);
    }
    if (--pending == 0) {
      grpc::ServerUnaryReactor* r = reactor;
      delete this;
      r->Finish(grpc::Status::OK);
    }
  }
};

}  // namespace

absl::StatusOr<Principal> GatewayService::Admit(grpc::CallbackServerContext* ctx,
                                                const std::string& method,
                                                const google::protobuf::Message& request,
                                                double cost) {
  ASSIGN_OR_RETURN(auto principal, AdmitAtEdge(*keys_, limits_, *ctx, cost));
  LogPrincipal(ctx, principal.name);
  RETURN_IF_ERROR(policy_->Authorize(principal, method, request));
  return principal;
}

grpc::ServerUnaryReactor* GatewayService::GetScorecard(grpc::CallbackServerContext* ctx,
                                                       const v1::GetScorecardRequest* request,
                                                       v1::Scorecard* response) {
  auto* reactor = ctx->DefaultReactor();
  // Three reporting calls: it costs three of the caller's rate limit.
  auto principal = Admit(ctx, "/chitieu.gateway.v1.GatewayService/GetScorecard", *request,
                         /*cost=*/3);
  if (!principal.ok()) {
    reactor->Finish(ToGrpcStatus(principal.status()));
    return reactor;
  }
  // The year is checked here, before the three calls whose partial answers
  // a scorecard would otherwise show for a year that cannot be.
  FieldViolations v;
  if (request->unit().empty()) {
    v.Add("unit", "is required");
  }
  if (request->year() < 2000 || request->year() > 2999) {
    v.Add("year", "must be a year from 2000");
  }
  if (auto s = v.ToStatus(); !s.ok()) {
    reactor->Finish(ToGrpcStatus(s));
    return reactor;
  }
  response->set_unit(request->unit());
  response->set_year(request->year());
  auto* fetch = new ScorecardFetch{reactor, response};
  const auto deadline = ctx->deadline() == std::chrono::system_clock::time_point::max()
                            ? std::chrono::system_clock::now() + std::chrono::seconds(10)
                            : ctx->deadline();
  for (grpc::ClientContext* c :
       {&fetch->progress_ctx, &fetch->summary_ctx, &fetch->candidates_ctx}) {
    c->set_deadline(deadline);
    AddPrincipal(*principal, c);
  }
  fetch->progress_req.set_unit(request->unit());
  fetch->progress_req.set_year(request->year());
  fetch->summary_req.set_unit(request->unit());
  fetch->summary_req.set_as_of(absl::StrCat(request->year(), "-12-31"));
  fetch->candidates_req.set_unit(request->unit());
  fetch->candidates_req.set_kind(type::v1::ORGANIZATION_KIND_PARTY);
  fetch->candidates_req.set_year(request->year());
  fetch->candidates_req.set_page_size(10);
  reporting_->async()->GetProgress(&fetch->progress_ctx, &fetch->progress_req,
                                   response->mutable_progress(),
                                   [fetch](grpc::Status s) { fetch->Done("progress", s); });
  reporting_->async()->GetEnterpriseStatusSummary(
      &fetch->summary_ctx, &fetch->summary_req, response->mutable_status_summary(),
      [fetch](grpc::Status s) { fetch->Done("status_summary", s); });
  reporting_->async()->ListFoundingCandidates(
      &fetch->candidates_ctx, &fetch->candidates_req, response->mutable_party_candidates(),
      [fetch](grpc::Status s) { fetch->Done("party_candidates", s); });
  return reactor;
}

grpc::ServerUnaryReactor* GatewayService::ListAuditEntries(
    grpc::CallbackServerContext* ctx, const v1::ListAuditEntriesRequest* request,
    v1::ListAuditEntriesResponse* response) {
  auto* reactor = ctx->DefaultReactor();
  auto principal =
      Admit(ctx, "/chitieu.gateway.v1.GatewayService/ListAuditEntries", *request, /*cost=*/1);
  if (!principal.ok()) {
    reactor->Finish(ToGrpcStatus(principal.status()));
    return reactor;
  }
  // Page tokens sealed to the caller and the query (page_token_seal.h).
  const std::string binding = PageTokenBinding(
      principal->name, "/chitieu.gateway.v1.GatewayService/ListAuditEntries", *request);
  auto token = UnsealPageToken(request->page_token(), binding);
  if (!token.ok()) {
    reactor->Finish(ToGrpcStatus(token.status()));
    return reactor;
  }
  auto list = ParseListRequest(request->page_size(), request->filter(), *token,
                               absl::StrCat("audit|", request->filter()));
  if (!list.ok()) {
    reactor->Finish(ToGrpcStatus(list.status()));
    return reactor;
  }
  std::string by_principal, by_method, by_resource;
  for (const auto& t : list->terms) {
    if (t.op != "=") {
      reactor->Finish(ToGrpcStatus(InvalidField("filter", "only = is supported")));
      return reactor;
    }
    if (t.field == "principal") {
      by_principal = t.value;
    } else if (t.field == "method") {
      by_method = t.value;
    } else if (t.field == "resource") {
      by_resource = t.value;
    } else {
      reactor->Finish(ToGrpcStatus(InvalidField(
          "filter", "unknown field " + t.field + "; use principal, method, resource")));
      return reactor;
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
    reactor->Finish(ToGrpcStatus(whole.status()));
    return reactor;
  }
  auto rows = audit_->List(after, list->page_size + 1, by_principal, by_method, by_resource,
                           *whole ? nullptr : &principal->scope);
  if (!rows.ok()) {
    reactor->Finish(ToGrpcStatus(rows.status()));
    return reactor;
  }
  FillPage(
      *response, *rows, *list, [](const v1::AuditEntry& e) { return absl::StrCat(e.sequence()); },
      response->mutable_entries());
  SealResponse(binding, response);
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace chitieu::gateway

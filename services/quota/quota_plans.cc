// The quota service's plans: a unit's yearly founding plan, listed by unit.

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/common/errors.h"
#include "libs/common/idempotency.h"
#include "libs/common/mutation.h"
#include "libs/common/names.h"
#include "libs/common/page_token.h"
#include "libs/common/status_macros.h"
#include "libs/common/transaction.h"
#include "libs/common/validation.h"
#include "services/quota/quota.h"

namespace chitieu::quota {

absl::StatusOr<pb::Plan> Quota::CreatePlan(const pb::CreatePlanRequest& request) {
  RETURN_IF_ERROR(CheckRequestId(request.request_id()));
  ASSIGN_OR_RETURN(auto unit, ParseSingleName("units", request.parent(), "parent"));
  const pb::Plan& in = request.plan();
  FieldViolations v;
  CheckText(v, "plan.title", in.title(), true);
  CheckText(v, "plan.document_number", in.document_number(), true, 100);
  if (CheckDate(v, "plan.issue_date", in.issue_date()) && in.issue_date() > FormatDate(today_())) {
    v.Add("plan.issue_date", "must not be in the future");
  }
  if (in.kind() == 0 || !pb::PlanKind_IsValid(in.kind())) {
    v.Add("plan.kind", "must be one of the PLAN_KIND_ values");
  }
  if (!in.implements().empty() &&
      !ParseName("units/{unit}/plans/{plan}", in.implements(), "").ok()) {
    v.Add("plan.implements", "must be a name of the form units/{unit}/plans/{plan}");
  }
  RETURN_IF_ERROR(v.ToStatus());
  auto issuer = units_->GetUnit(request.parent());
  if (absl::IsNotFound(issuer.status())) {
    return FailedField("parent", absl::StrCat(request.parent(), " is not in the registry"));
  }
  if (!issuer.ok()) {
    return issuer.status();
  }
  return Idempotent<pb::Plan>(
      store_, "CreatePlan", request, request.request_id(),
      [&](QuotaTx& tx) -> absl::StatusOr<pb::Plan> {
        if (!in.implements().empty()) {
          auto ids = ParseName("units/{unit}/plans/{plan}", in.implements(), "plan.implements");
          auto implemented = tx.GetPlan((*ids)[0], (*ids)[1]);
          if (absl::IsNotFound(implemented.status())) {
            return FailedField("plan.implements", "does not exist");
          }
          if (!implemented.ok()) {
            return implemented.status();
          }
          if (in.issue_date() < implemented->issue_date()) {
            return FailedField("plan.issue_date", "is before the document it implements");
          }
        }
        ASSIGN_OR_RETURN(auto id, tx.NextId("plan"));
        pb::Plan plan = in;
        plan.set_name(absl::StrCat(request.parent(), "/plans/", id));
        *plan.mutable_create_time() = ProtoNow();
        RETURN_IF_ERROR(tx.PutPlan(unit, absl::StrCat(id), plan));
        RETURN_IF_ERROR(EmitChange(tx, type::v1::CHANGE_TYPE_CREATED,
                                   &pb::StreamChangesResponse::mutable_plan, plan));
        return plan;
      });
}

absl::StatusOr<pb::Plan> Quota::GetPlan(const pb::GetPlanRequest& request) {
  ASSIGN_OR_RETURN(auto ids,
                   ParseNumberedName("units/{unit}/plans/{plan}", request.name(), "name"));
  return InView<pb::Plan>(store_, [&](QuotaTx& tx) { return tx.GetPlan(ids[0], ids[1]); });
}

absl::StatusOr<pb::ListPlansResponse> Quota::ListPlans(const pb::ListPlansRequest& request) {
  ASSIGN_OR_RETURN(auto unit, ParseSingleName("units", request.parent(), "parent"));
  ASSIGN_OR_RETURN(auto list, ParseListRequest(request.page_size(), "", request.page_token(),
                                               absl::StrCat("plans|", request.parent())));
  int64_t after = 0;
  if (!list.after.empty() && !absl::SimpleAtoi(list.after, &after)) {
    return InvalidField("page_token", "is not a token this list issued");
  }
  ASSIGN_OR_RETURN(auto rows, InView<std::vector<pb::Plan>>(store_, [&](QuotaTx& tx) {
                     return tx.ListPlans(unit, after, list.page_size + 1);
                   }));
  pb::ListPlansResponse response;
  FillPage(
      response, rows, list,
      [](const pb::Plan& p) { return p.name().substr(p.name().rfind('/') + 1); },
      response.mutable_plans());
  return response;
}

}  // namespace chitieu::quota

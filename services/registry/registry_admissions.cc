// The registry's rules of admissions: new Party members admitted in an
// enterprise.

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
#include "services/registry/registry.h"
#include "services/registry/registry_shared.h"

namespace chitieu::registry {

absl::StatusOr<pb::Admission> Registry::GetAdmission(const pb::GetAdmissionRequest& request) {
  ASSIGN_OR_RETURN(auto ids, ParseName("enterprises/{enterprise}/admissions/{admission}",
                                       request.name(), "name"));
  return InView<pb::Admission>(store_,
                               [&](RegistryTx& tx) { return tx.GetAdmission(ids[0], ids[1]); });
}

absl::StatusOr<pb::ListAdmissionsResponse> Registry::ListAdmissions(
    const pb::ListAdmissionsRequest& request) {
  ASSIGN_OR_RETURN(auto code, ParseEnterpriseParent(request.parent()));
  ASSIGN_OR_RETURN(
      auto list,
      ParseListRequest(request.page_size(), request.filter(), request.page_token(),
                       absl::StrCat("admissions|", request.parent(), "|", request.filter())));
  AdmissionQuery q;
  if (code != "-") {
    q.enterprise_code = code;
  }
  for (const auto& t : list.terms) {
    if (t.op != "=") {
      return InvalidField("filter", absl::StrCat(t.field, " supports only ="));
    }
    if (t.field == "unit") {
      ASSIGN_OR_RETURN(auto unit, ParseSingleName("units", t.value, "filter"));
      q.under_unit = unit;
    } else if (t.field == "admission_year") {
      int year = 0;
      if (!absl::SimpleAtoi(t.value, &year) || year < 1900 || year > 2999) {
        return InvalidField("filter", "admission_year takes a year");
      }
      q.admission_year = year;
    } else {
      return InvalidField("filter",
                          absl::StrCat("unknown field ", t.field, "; use unit or admission_year"));
    }
  }
  q.after_key = list.after;
  q.limit = list.page_size + 1;
  ASSIGN_OR_RETURN(auto rows, InView<std::vector<pb::Admission>>(
                                  store_, [&](RegistryTx& tx) { return tx.ListAdmissions(q); }));
  pb::ListAdmissionsResponse response;
  FillPage(
      response, rows, list,
      [](const pb::Admission& a) {
        std::string key = a.name().substr(12);
        return key.replace(key.find("/admissions/"), 12, "/");
      },
      response.mutable_admissions());
  return response;
}

absl::StatusOr<pb::Admission> Registry::CreateAdmission(const pb::CreateAdmissionRequest& request,
                                                        const std::string& recorded_by) {
  RETURN_IF_ERROR(CheckRequestId(request.request_id()));
  ASSIGN_OR_RETURN(auto code, ParseEnterpriseName(request.parent(), "parent"));
  const pb::Admission& in = request.admission();
  const std::string today = FormatDate(today_());
  FieldViolations v;
  if (CheckDate(v, "admission.admission_date", in.admission_date()) &&
      in.admission_date() > today) {
    v.Add("admission.admission_date", "must not be in the future");
  }
  if (in.count() < 1 || in.count() > 10000) {
    v.Add("admission.count", "must be between 1 and 10000");
  }
  CheckText(v, "admission.decision_number", in.decision_number(), true, 100);
  // No body, or its id.
  std::string body_id;
  if (!in.admitting_body().empty()) {
    auto parsed = ParseSingleName("bodies", in.admitting_body(), "");
    if (parsed.ok()) {
      body_id = *std::move(parsed);
    } else {
      v.Add("admission.admitting_body", "must be a name of the form bodies/{body}");
    }
  }
  RETURN_IF_ERROR(v.ToStatus());
  return Idempotent<pb::Admission>(
      store_, "CreateAdmission", request, request.request_id(),
      [&](RegistryTx& tx) -> absl::StatusOr<pb::Admission> {
        // The enterprise, the body (if any) and the id in one round trip;
        // judged in this order.
        ASSIGN_OR_RETURN(auto reads, tx.ReadForAdding(code, body_id, "admission"));
        ASSIGN_OR_RETURN(auto e, std::move(reads.enterprise));
        if (in.admission_date() < e.registration_date()) {
          return FailedField("admission.admission_date",
                             "is before the enterprise's registration date");
        }
        if (IsTerminal(StatusOn(e, in.admission_date()))) {
          return FailedField("parent", "the enterprise was dissolved or bankrupt on that date");
        }
        RETURN_IF_ERROR(
            ExistingBody(std::move(reads.body), in.admitting_body(), "admission.admitting_body")
                .status());
        const int64_t id = reads.next_id;
        pb::Admission a = in;
        a.set_name(absl::StrCat(request.parent(), "/admissions/", id));
        a.set_seat_unit(e.seat_unit());
        a.set_recorded_by(recorded_by);
        *a.mutable_create_time() = ProtoNow();
        RETURN_IF_ERROR(tx.PutAdmission(code, absl::StrCat(id), a));
        RETURN_IF_ERROR(EmitChange(tx, type::v1::CHANGE_TYPE_CREATED,
                                   &pb::StreamChangesResponse::mutable_admission, a));
        return a;
      });
}

}  // namespace chitieu::registry

// The registry's rules of organizations founded in enterprises (Party
// organizations, trade unions, youth unions): founding, listing, dissolving.

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/common/errors.h"
#include "libs/common/filter.h"
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

using ::chitieu::type::v1::OrganizationKind;

absl::StatusOr<pb::Organization> Registry::GetOrganization(
    const pb::GetOrganizationRequest& request) {
  ASSIGN_OR_RETURN(auto ids, ParseName("enterprises/{enterprise}/organizations/{organization}",
                                       request.name(), "name"));
  return InView<pb::Organization>(
      store_, [&](RegistryTx& tx) { return tx.GetOrganization(ids[0], ids[1]); });
}

absl::StatusOr<pb::ListOrganizationsResponse> Registry::ListOrganizations(
    const pb::ListOrganizationsRequest& request) {
  ASSIGN_OR_RETURN(auto code, ParseEnterpriseParent(request.parent()));
  ASSIGN_OR_RETURN(
      auto list,
      ParseListRequest(request.page_size(), request.filter(), request.page_token(),
                       absl::StrCat("organizations|", request.parent(), "|", request.filter())));
  OrganizationQuery q;
  if (code != "-") {
    q.enterprise_code = code;
  }
  for (const auto& t : list.terms) {
    if (t.op != "=") {
      return InvalidField("filter", absl::StrCat(t.field, " supports only ="));
    }
    if (t.field == "kind") {
      OrganizationKind kind;
      if (!type::v1::OrganizationKind_Parse(t.value, &kind) || kind == 0) {
        return InvalidField("filter", "kind takes an ORGANIZATION_KIND_ value");
      }
      q.kind = kind;
    } else if (t.field == "founding_body") {
      if (!ParseSingleName("bodies", t.value, "filter").ok()) {
        return InvalidField("filter", "founding_body takes bodies/{body}");
      }
      q.founding_body = t.value;
    } else if (t.field == "unit") {
      ASSIGN_OR_RETURN(auto unit, ParseSingleName("units", t.value, "filter"));
      q.under_unit = unit;
    } else if (t.field == "founding_year") {
      int year = 0;
      if (!absl::SimpleAtoi(t.value, &year) || year < 1900 || year > 2999) {
        return InvalidField("filter", "founding_year takes a year");
      }
      q.founding_year = year;
    } else if (t.field == "active") {
      ASSIGN_OR_RETURN(auto b, FilterBool(t));
      q.active = b;
    } else {
      return InvalidField("filter", absl::StrCat("unknown field ", t.field,
                                                 "; use kind, founding_body, unit, "
                                                 "founding_year or active"));
    }
  }
  q.after_key = list.after;
  q.limit = list.page_size + 1;
  ASSIGN_OR_RETURN(auto rows, InView<std::vector<pb::Organization>>(
                                  store_, [&](RegistryTx& tx) { return tx.ListOrganizations(q); }));
  pb::ListOrganizationsResponse response;
  FillPage(
      response, rows, list,
      [](const pb::Organization& o) {
        // "enterprises/{code}/organizations/{id}" → "{code}/{id}".
        std::string key = o.name().substr(12);
        return key.replace(key.find("/organizations/"), 15, "/");
      },
      response.mutable_organizations());
  return response;
}

absl::StatusOr<pb::Organization> Registry::CreateOrganization(
    const pb::CreateOrganizationRequest& request, const std::string& recorded_by) {
  RETURN_IF_ERROR(CheckRequestId(request.request_id()));
  ASSIGN_OR_RETURN(auto code, ParseEnterpriseName(request.parent(), "parent"));
  const pb::Organization& in = request.organization();
  const std::string today = FormatDate(today_());
  FieldViolations v;
  if (in.kind() == 0 || !type::v1::OrganizationKind_IsValid(in.kind())) {
    v.Add("organization.kind", "must be one of the ORGANIZATION_KIND_ values");
  }
  CheckText(v, "organization.display_name", in.display_name(), false);
  if (CheckDate(v, "organization.founding_date", in.founding_date()) &&
      in.founding_date() > today) {
    v.Add("organization.founding_date", "must not be in the future");
  }
  CheckText(v, "organization.decision_number", in.decision_number(), true, 100);
  const auto body_id = ParseSingleName("bodies", in.founding_body(), "");
  if (!body_id.ok()) {
    v.Add("organization.founding_body", "must be a name of the form bodies/{body}");
  }
  if (in.members_at_founding() < 0) {
    v.Add("organization.members_at_founding", "must not be negative");
  }
  RETURN_IF_ERROR(v.ToStatus());
  return Idempotent<pb::Organization>(
      store_, "CreateOrganization", request, request.request_id(),
      [&](RegistryTx& tx) -> absl::StatusOr<pb::Organization> {
        // The enterprise, the body and the id in one round trip; judged
        // in this order.
        ASSIGN_OR_RETURN(auto reads, tx.ReadForAdding(code, *body_id, "organization"));
        ASSIGN_OR_RETURN(auto e, std::move(reads.enterprise));
        if (in.founding_date() < e.registration_date()) {
          return FailedField("organization.founding_date",
                             "is before the enterprise's registration date");
        }
        if (IsTerminal(StatusOn(e, in.founding_date())) || IsTerminal(StatusOn(e, today))) {
          return FailedField("parent", "nothing is founded in a dissolved or bankrupt enterprise");
        }
        RETURN_IF_ERROR(
            ExistingBody(std::move(reads.body), in.founding_body(), "organization.founding_body")
                .status());
        const int64_t id = reads.next_id;
        pb::Organization org = in;
        org.set_name(absl::StrCat(request.parent(), "/organizations/", id));
        org.set_seat_unit(e.seat_unit());
        org.clear_dissolution_date();
        org.clear_dissolution_reason();
        org.set_recorded_by(recorded_by);
        StampCreated(org);
        // The store refuses a second active organization of a kind (an
        // index, not a read first: see AddOrganization).
        ASSIGN_OR_RETURN(bool added, tx.AddOrganization(code, absl::StrCat(id), org));
        if (!added) {
          OrganizationQuery active;
          active.enterprise_code = code;
          active.kind = in.kind();
          active.active = true;
          active.limit = 1;
          ASSIGN_OR_RETURN(auto existing, tx.ListOrganizations(active));
          return WithReason(
              FailedField("organization.kind",
                          absl::StrCat("the enterprise already has an active organization of this "
                                       "kind",
                                       existing.empty() ? "" : ": ",
                                       existing.empty() ? "" : existing.front().name())),
              "ORGANIZATION_EXISTS");
        }
        RETURN_IF_ERROR(EmitChange(tx, type::v1::CHANGE_TYPE_CREATED,
                                   &pb::StreamChangesResponse::mutable_organization, org));
        return org;
      });
}

absl::StatusOr<pb::Organization> Registry::DissolveOrganization(
    const pb::DissolveOrganizationRequest& request) {
  RETURN_IF_ERROR(CheckRequestId(request.request_id()));
  ASSIGN_OR_RETURN(auto ids, ParseName("enterprises/{enterprise}/organizations/{organization}",
                                       request.name(), "name"));
  const std::string today = FormatDate(today_());
  FieldViolations v;
  if (CheckDate(v, "dissolution_date", request.dissolution_date()) &&
      request.dissolution_date() > today) {
    v.Add("dissolution_date", "must not be in the future");
  }
  CheckText(v, "reason", request.reason(), false, kMaxTextLength);
  RETURN_IF_ERROR(v.ToStatus());
  return Idempotent<pb::Organization>(
      store_, "DissolveOrganization", request, request.request_id(),
      [&](RegistryTx& tx) -> absl::StatusOr<pb::Organization> {
        ASSIGN_OR_RETURN(auto org, tx.GetOrganization(ids[0], ids[1]));
        RETURN_IF_ERROR(CheckEtag(request.etag(), org.etag()));
        if (!org.dissolution_date().empty()) {
          return FailedField("name", "the organization is already dissolved");
        }
        if (request.dissolution_date() < org.founding_date()) {
          return FailedField("dissolution_date", "is before the founding date");
        }
        org.set_dissolution_date(request.dissolution_date());
        org.set_dissolution_reason(request.reason());
        StampUpdated(org);
        RETURN_IF_ERROR(tx.PutOrganization(ids[0], ids[1], org));
        RETURN_IF_ERROR(EmitChange(tx, type::v1::CHANGE_TYPE_UPDATED,
                                   &pb::StreamChangesResponse::mutable_organization, org));
        return org;
      });
}

}  // namespace chitieu::registry

// The registry's rules of enterprises: create, update, list, the
// effective-dated legal status history and the recorded member counts.

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
#include "services/registry/tax_code.h"

namespace chitieu::registry {

using ::chitieu::type::v1::EnterpriseStatus;
using ::chitieu::type::v1::OrganizationKind;

EnterpriseStatus StatusOn(const pb::Enterprise& enterprise, const std::string& date) {
  EnterpriseStatus status = type::v1::ENTERPRISE_STATUS_UNSPECIFIED;
  std::string best;
  for (const auto& p : enterprise.status_history()) {
    if (p.effective_date() <= date && p.effective_date() >= best) {
      best = p.effective_date();
      status = p.status();
      if (!p.end_date().empty() && p.end_date() <= date) {
        status = type::v1::ENTERPRISE_STATUS_ACTIVE;
      }
    }
  }
  return status;
}

absl::StatusOr<pb::Enterprise> Registry::GetEnterprise(const pb::GetEnterpriseRequest& request) {
  ASSIGN_OR_RETURN(auto code, ParseEnterpriseName(request.name(), "name"));
  auto e = InView<pb::Enterprise>(store_, [&](RegistryTx& tx) { return tx.GetEnterprise(code); });
  if (e.ok()) {
    SetComputedFields(*e, FormatDate(today_()));
  }
  return e;
}

absl::StatusOr<pb::ListEnterprisesResponse> Registry::ListEnterprises(
    const pb::ListEnterprisesRequest& request) {
  ASSIGN_OR_RETURN(
      auto list,
      ParseListRequest(request.page_size(), request.filter(), request.page_token(),
                       absl::StrCat("enterprises|", request.filter(), "|", request.as_of_date())));
  EnterpriseQuery q;
  q.as_of = request.as_of_date().empty() ? FormatDate(today_()) : request.as_of_date();
  if (!request.as_of_date().empty()) {
    RETURN_IF_ERROR(ParseDate(request.as_of_date(), "as_of_date"));
  }
  for (const auto& t : list.terms) {
    const bool eq = t.op == "=";
    if (t.field == "status") {
      EnterpriseStatus status;
      if (!type::v1::EnterpriseStatus_Parse(t.value, &status) ||
          status == type::v1::ENTERPRISE_STATUS_UNSPECIFIED) {
        return InvalidField("filter", "status takes an ENTERPRISE_STATUS_ value");
      }
      q.status = status;
      q.status_negated = !eq;
      continue;
    }
    if (!eq) {
      return InvalidField("filter", absl::StrCat(t.field, " supports only ="));
    }
    if (t.field == "unit") {
      ASSIGN_OR_RETURN(auto code, ParseSingleName("units", t.value, "filter"));
      q.under_unit = code;
    } else if (t.field == "legal_form") {
      type::v1::LegalForm form;
      if (!type::v1::LegalForm_Parse(t.value, &form) || form == 0) {
        return InvalidField("filter", "legal_form takes a LEGAL_FORM_ value");
      }
      q.legal_form = form;
    } else if (t.field == "sector") {
      type::v1::Sector sector;
      if (!type::v1::Sector_Parse(t.value, &sector) || sector == 0) {
        return InvalidField("filter", "sector takes a SECTOR_ value");
      }
      q.sector = sector;
    } else if (t.field == "has_party_organization" || t.field == "has_trade_union" ||
               t.field == "has_youth_union") {
      ASSIGN_OR_RETURN(auto b, FilterBool(t));
      OrganizationKind kind =
          t.field == "has_party_organization" ? type::v1::ORGANIZATION_KIND_PARTY
          : t.field == "has_trade_union"      ? type::v1::ORGANIZATION_KIND_TRADE_UNION
                                              : type::v1::ORGANIZATION_KIND_YOUTH_UNION;
      q.has_organization.emplace_back(kind, b);
    } else {
      return InvalidField("filter",
                          absl::StrCat("unknown field ", t.field,
                                       "; use unit, status, legal_form, sector, "
                                       "has_party_organization, has_trade_union, has_youth_union"));
    }
  }
  q.after_code = list.after;
  q.limit = list.page_size + 1;
  ASSIGN_OR_RETURN(auto rows, InView<std::vector<pb::Enterprise>>(
                                  store_, [&](RegistryTx& tx) { return tx.ListEnterprises(q); }));
  const std::string today = FormatDate(today_());
  for (auto& e : rows) {
    SetComputedFields(e, today);
  }
  pb::ListEnterprisesResponse response;
  FillPage(
      response, rows, list, [](const pb::Enterprise& e) { return e.enterprise_code(); },
      response.mutable_enterprises());
  return response;
}

absl::StatusOr<pb::Enterprise> Registry::CreateEnterprise(
    const pb::CreateEnterpriseRequest& request) {
  RETURN_IF_ERROR(CheckRequestId(request.request_id()));
  const pb::Enterprise& in = request.enterprise();
  const std::string today = FormatDate(today_());
  FieldViolations v;
  if (auto s = ValidateEnterpriseCode(in.enterprise_code(), "enterprise.enterprise_code");
      !s.ok()) {
    for (auto& [f, d] : GetFieldViolations(s)) {
      v.Add(f, d);
    }
  }
  CheckEnterpriseFields(v, in, "enterprise.", today);
  RETURN_IF_ERROR(v.ToStatus());
  const std::string& code = in.enterprise_code();
  return Idempotent<pb::Enterprise>(
      store_, "CreateEnterprise", request, request.request_id(),
      [&](RegistryTx& tx) -> absl::StatusOr<pb::Enterprise> {
        if (tx.GetEnterprise(code).ok()) {
          return absl::AlreadyExistsError(absl::StrCat("enterprises/", code, " already exists"));
        }
        RETURN_IF_ERROR(ExistingUnit(tx, in.seat_unit(), "enterprise.seat_unit"));
        pb::Enterprise e;
        e.set_enterprise_code(code);
        e.set_display_name(in.display_name());
        e.set_legal_form(in.legal_form());
        e.set_sector(in.sector());
        e.set_seat_unit(in.seat_unit());
        e.set_registration_date(in.registration_date());
        e.set_self_requested_founding(in.self_requested_founding());
        auto* first = e.add_status_history();
        first->set_status(type::v1::ENTERPRISE_STATUS_ACTIVE);
        first->set_effective_date(in.registration_date());
        first->set_source("registration");
        *first->mutable_record_time() = ProtoNow();
        StampCreated(e);
        RETURN_IF_ERROR(SaveEnterprise(tx, code, today, type::v1::CHANGE_TYPE_CREATED, e));
        return e;
      });
}

absl::StatusOr<pb::Enterprise> Registry::UpdateEnterprise(
    const pb::UpdateEnterpriseRequest& request) {
  const pb::Enterprise& in = request.enterprise();
  // The name, and only the name, says which enterprise: a lookup by
  // another key would escape the scope check made on the name.
  if (in.name().empty()) {
    return InvalidField("enterprise.name", "is required");
  }
  ASSIGN_OR_RETURN(auto parsed, ParseSingleName("enterprises", in.name(), "enterprise.name"));
  const std::string code = parsed;
  if (!in.enterprise_code().empty() && in.enterprise_code() != code) {
    return InvalidField("enterprise.enterprise_code", "is immutable and differs from the name");
  }
  std::vector<std::string> paths(request.update_mask().paths().begin(),
                                 request.update_mask().paths().end());
  if (paths.empty()) {
    paths = {"display_name", "legal_form", "sector", "seat_unit", "self_requested_founding"};
  }
  const std::string today = FormatDate(today_());
  FieldViolations v;
  for (const auto& p : paths) {
    if (p == "display_name") {
      CheckText(v, "enterprise.display_name", in.display_name(), true);
    } else if (p == "legal_form") {
      if (in.legal_form() == 0 || !type::v1::LegalForm_IsValid(in.legal_form())) {
        v.Add("enterprise.legal_form", "must be one of the LEGAL_FORM_ values");
      }
    } else if (p == "sector") {
      if (in.sector() == 0 || !type::v1::Sector_IsValid(in.sector())) {
        v.Add("enterprise.sector", "must be one of the SECTOR_ values");
      }
    } else if (p == "seat_unit") {
      if (!ParseSingleName("units", in.seat_unit(), "").ok()) {
        v.Add("enterprise.seat_unit", "must be a name of the form units/{code}");
      }
    } else if (p != "self_requested_founding") {
      v.Add("update_mask", absl::StrCat(p,
                                        " cannot be updated; the status changes through "
                                        "ChangeEnterpriseStatus"));
    }
  }
  RETURN_IF_ERROR(v.ToStatus());
  return InTx<pb::Enterprise>(store_, [&](RegistryTx& tx) -> absl::StatusOr<pb::Enterprise> {
    ASSIGN_OR_RETURN(auto e, tx.GetEnterprise(code));
    RETURN_IF_ERROR(CheckEtag(in.etag(), e.etag()));
    for (const auto& p : paths) {
      if (p == "display_name") {
        e.set_display_name(in.display_name());
      }
      if (p == "legal_form") {
        e.set_legal_form(in.legal_form());
      }
      if (p == "sector") {
        e.set_sector(in.sector());
      }
      if (p == "self_requested_founding") {
        e.set_self_requested_founding(in.self_requested_founding());
      }
      if (p == "seat_unit") {
        RETURN_IF_ERROR(ExistingUnit(tx, in.seat_unit(), "enterprise.seat_unit"));
        e.set_seat_unit(in.seat_unit());
      }
    }
    StampUpdated(e);
    RETURN_IF_ERROR(SaveEnterprise(tx, code, today, type::v1::CHANGE_TYPE_UPDATED, e));
    return e;
  });
}

absl::StatusOr<pb::Enterprise> Registry::ChangeEnterpriseStatus(
    const pb::ChangeEnterpriseStatusRequest& request) {
  RETURN_IF_ERROR(CheckRequestId(request.request_id()));
  ASSIGN_OR_RETURN(auto code, ParseEnterpriseName(request.name(), "name"));
  const std::string today = FormatDate(today_());
  FieldViolations v;
  if (request.status() == type::v1::ENTERPRISE_STATUS_UNSPECIFIED ||
      !type::v1::EnterpriseStatus_IsValid(request.status())) {
    v.Add("status", "must be one of the ENTERPRISE_STATUS_ values");
  }
  if (CheckDate(v, "effective_date", request.effective_date()) &&
      request.effective_date() > today) {
    v.Add("effective_date", "must not be in the future");
  }
  if (!request.end_date().empty()) {
    if (request.status() != type::v1::ENTERPRISE_STATUS_SUSPENDED) {
      v.Add("end_date", "is only for ENTERPRISE_STATUS_SUSPENDED");
    } else if (CheckDate(v, "end_date", request.end_date()) &&
               request.end_date() <= request.effective_date()) {
      v.Add("end_date", "must be after effective_date");
    }
  }
  CheckText(v, "source", request.source(), true, 100);
  CheckText(v, "reason", request.reason(), false, kMaxTextLength);
  RETURN_IF_ERROR(v.ToStatus());
  return Idempotent<pb::Enterprise>(
      store_, "ChangeEnterpriseStatus", request, request.request_id(),
      [&](RegistryTx& tx) -> absl::StatusOr<pb::Enterprise> {
        ASSIGN_OR_RETURN(auto e, tx.GetEnterprise(code));
        RETURN_IF_ERROR(CheckEtag(request.etag(), e.etag()));
        if (request.effective_date() < e.registration_date()) {
          return FailedField("effective_date", "is before the enterprise's registration date");
        }
        const auto& last = e.status_history(e.status_history_size() - 1);
        if (request.effective_date() < last.effective_date()) {
          return FailedField("effective_date",
                             absl::StrCat("is before the latest recorded change (",
                                          last.effective_date(), "); the history is append-only"));
        }
        if (IsTerminal(StatusOn(e, request.effective_date()))) {
          return FailedField("status", "the enterprise is already dissolved or bankrupt");
        }
        auto* p = e.add_status_history();
        p->set_status(request.status());
        p->set_effective_date(request.effective_date());
        p->set_end_date(request.end_date());
        p->set_source(request.source());
        p->set_reason(request.reason());
        *p->mutable_record_time() = ProtoNow();
        StampUpdated(e);
        RETURN_IF_ERROR(SaveEnterprise(tx, code, today, type::v1::CHANGE_TYPE_UPDATED, e));
        return e;
      });
}

absl::StatusOr<pb::Enterprise> Registry::RecordMemberCounts(
    const pb::RecordMemberCountsRequest& request) {
  RETURN_IF_ERROR(CheckRequestId(request.request_id()));
  ASSIGN_OR_RETURN(auto code, ParseEnterpriseName(request.name(), "name"));
  const auto& c = request.member_counts();
  const std::string today = FormatDate(today_());
  FieldViolations v;
  if (CheckDate(v, "member_counts.as_of_date", c.as_of_date()) && c.as_of_date() > today) {
    v.Add("member_counts.as_of_date", "must not be in the future");
  }
  auto non_negative = [&](const char* f, int32_t n) {
    if (n < 0) {
      v.Add(absl::StrCat("member_counts.", f), "must not be negative");
    }
  };
  non_negative("official_party_members", c.official_party_members());
  non_negative("probationary_party_members", c.probationary_party_members());
  non_negative("trade_union_members", c.trade_union_members());
  non_negative("youth_union_members", c.youth_union_members());
  non_negative("employees", c.employees());
  RETURN_IF_ERROR(v.ToStatus());
  return Idempotent<pb::Enterprise>(
      store_, "RecordMemberCounts", request, request.request_id(),
      [&](RegistryTx& tx) -> absl::StatusOr<pb::Enterprise> {
        ASSIGN_OR_RETURN(auto e, tx.GetEnterprise(code));
        RETURN_IF_ERROR(CheckEtag(request.etag(), e.etag()));
        if (c.as_of_date() < e.registration_date()) {
          return FailedField("member_counts.as_of_date", "is before the registration date");
        }
        RETURN_IF_ERROR(tx.PutMemberCounts(code, c));
        if (!e.has_member_counts() || c.as_of_date() >= e.member_counts().as_of_date()) {
          *e.mutable_member_counts() = c;
        }
        StampUpdated(e);
        RETURN_IF_ERROR(SaveEnterprise(tx, code, today, type::v1::CHANGE_TYPE_UPDATED, e));
        return e;
      });
}

}  // namespace chitieu::registry

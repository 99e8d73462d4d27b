#include "services/registry/registry.h"

#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/time_util.h"
#include "libs/common/errors.h"
#include "libs/common/filter.h"
#include "libs/common/idempotency.h"
#include "libs/common/names.h"
#include "libs/common/page_token.h"
#include "libs/common/root_units.h"
#include "libs/common/status_macros.h"
#include "libs/common/transaction.h"
#include "libs/common/validation.h"
#include "services/registry/tax_code.h"

namespace chitieu::registry {
namespace {

// The code of "enterprises/{code}", checked as a tax code: a name that no
// enterprise can have is malformed (INVALID_ARGUMENT), not merely absent.
absl::StatusOr<std::string> ParseEnterpriseName(const std::string& name, const std::string& field) {
  ASSIGN_OR_RETURN(auto code, ParseSingleName("enterprises", name, field));
  RETURN_IF_ERROR(ValidateEnterpriseCode(code, field));
  return code;
}

// The same for a list's parent, which may also be "enterprises/-" (every
// enterprise).
absl::StatusOr<std::string> ParseEnterpriseParent(const std::string& name) {
  if (name == "enterprises/-") return std::string("-");
  return ParseEnterpriseName(name, "parent");
}

using ::chitieu::type::v1::ChangeType;
using ::chitieu::type::v1::EnterpriseStatus;
using ::chitieu::type::v1::OrganizationKind;
using ::google::protobuf::util::TimeUtil;

google::protobuf::Timestamp Now() { return TimeUtil::GetCurrentTime(); }

template <typename T>
absl::StatusOr<T> InTx(RegistryStore* store,
                       const std::function<absl::StatusOr<T>(RegistryTx&)>& fn) {
  return InTransaction<T, RegistryTx>(store, fn);
}

template <typename Setter>
absl::Status Emit(RegistryTx& tx, ChangeType type, Setter set) {
  pb::StreamChangesResponse change;
  change.set_change_type(type);
  set(change);
  return tx.AppendChange(std::move(change));
}

// Resolves a unit reference that must exist; FAILED_PRECONDITION if not.
absl::StatusOr<pb::Unit> ExistingUnit(RegistryTx& tx, const std::string& name,
                                      const std::string& field) {
  ASSIGN_OR_RETURN(auto code, ParseSingleName("units", name, field));
  auto unit = tx.GetUnit(code);
  if (absl::IsNotFound(unit.status())) {
    return FailedField(field, absl::StrCat("unit ", name, " does not exist"));
  }
  return unit;
}

absl::StatusOr<pb::Body> ExistingBody(RegistryTx& tx, const std::string& name,
                                      const std::string& field) {
  ASSIGN_OR_RETURN(auto id, ParseSingleName("bodies", name, field));
  auto body = tx.GetBody(id);
  if (absl::IsNotFound(body.status())) {
    return FailedField(field, absl::StrCat("body ", name, " does not exist"));
  }
  return body;
}

bool IsUnitCode(const std::string& code) {
  if (code.empty() || code.size() > 10) return false;
  for (char c : code) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool IsTerminal(EnterpriseStatus s) {
  return s == type::v1::ENTERPRISE_STATUS_DISSOLVED || s == type::v1::ENTERPRISE_STATUS_BANKRUPT;
}

// Fills output-only fields derived from the history.
void Derive(pb::Enterprise& e, const std::string& today) {
  e.set_name(absl::StrCat("enterprises/", e.enterprise_code()));
  e.set_status(StatusOn(e, today));
}

// Checks the descriptive fields of an enterprise (create, import, update).
void CheckEnterpriseFields(FieldViolations& v, const pb::Enterprise& e, const std::string& prefix,
                           const std::string& today) {
  CheckText(v, prefix + "display_name", e.display_name(), true);
  if (e.legal_form() == type::v1::LEGAL_FORM_UNSPECIFIED ||
      !type::v1::LegalForm_IsValid(e.legal_form())) {
    v.Add(prefix + "legal_form", "must be one of the LEGAL_FORM_ values");
  }
  if (e.sector() == type::v1::SECTOR_UNSPECIFIED || !type::v1::Sector_IsValid(e.sector())) {
    v.Add(prefix + "sector", "must be one of the SECTOR_ values");
  }
  if (e.seat_unit().empty()) {
    v.Add(prefix + "seat_unit", "is required (units/{code})");
  } else if (!ParseSingleName("units", e.seat_unit(), "").ok()) {
    v.Add(prefix + "seat_unit", "must be a name of the form units/{code}");
  }
  if (CheckDate(v, prefix + "registration_date", e.registration_date()) &&
      e.registration_date() > today) {
    v.Add(prefix + "registration_date", "must not be in the future");
  }
}

}  // namespace

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

// ---------------------------------------------------------------- Units

absl::StatusOr<pb::Unit> Registry::GetUnit(const pb::GetUnitRequest& request) {
  ASSIGN_OR_RETURN(auto code, ParseSingleName("units", request.name(), "name"));
  return InTx<pb::Unit>(store_, [&](RegistryTx& tx) { return tx.GetUnit(code); });
}

absl::StatusOr<pb::ListUnitsResponse> Registry::ListUnits(const pb::ListUnitsRequest& request) {
  ASSIGN_OR_RETURN(
      auto list,
      ParseListRequest(request.page_size(), request.filter(), request.page_token(),
                       absl::StrCat("units|", request.filter(), "|", request.open_on())));
  UnitQuery q;
  for (const auto& t : list.terms) {
    if (t.op != "=") return InvalidField("filter", absl::StrCat(t.field, " supports only ="));
    if (t.field == "parent" || t.field == "ancestor") {
      ASSIGN_OR_RETURN(auto code, ParseSingleName("units", t.value, "filter"));
      (t.field == "parent" ? q.parent : q.ancestor) = code;
    } else if (t.field == "level") {
      pb::UnitLevel level;
      if (!pb::UnitLevel_Parse(t.value, &level)) {
        return InvalidField("filter", "level takes a UNIT_LEVEL_ value");
      }
      q.level = level;
    } else {
      return InvalidField(
          "filter", absl::StrCat("unknown field ", t.field, "; use parent, ancestor or level"));
    }
  }
  if (!request.open_on().empty()) {
    RETURN_IF_ERROR(ParseDate(request.open_on(), "open_on"));
    q.open_on = request.open_on();
  }
  q.after_code = list.after;
  q.limit = list.page_size + 1;
  ASSIGN_OR_RETURN(auto units, InTx<std::vector<pb::Unit>>(
                                   store_, [&](RegistryTx& tx) { return tx.ListUnits(q); }));
  pb::ListUnitsResponse response;
  FillPage(
      response, units, list, [](const pb::Unit& u) { return u.name().substr(6); },
      response.mutable_units());
  return response;
}

absl::StatusOr<pb::Unit> Registry::CreateUnit(const pb::CreateUnitRequest& request) {
  RETURN_IF_ERROR(CheckRequestId(request.request_id()));
  const pb::Unit& in = request.unit();
  FieldViolations v;
  std::string code;
  auto parsed = ParseSingleName("units", in.name(), "unit.name");
  if (!parsed.ok() || !IsUnitCode(*parsed)) {
    v.Add("unit.name", "must be units/{code} with the official code in digits");
  } else {
    code = *parsed;
  }
  CheckText(v, "unit.display_name", in.display_name(), true);
  if (in.level() == pb::UNIT_LEVEL_UNSPECIFIED || !pb::UnitLevel_IsValid(in.level())) {
    v.Add("unit.level", "must be one of the UNIT_LEVEL_ values");
  }
  if (in.level() != pb::UNIT_LEVEL_PROVINCE && in.parent().empty()) {
    v.Add("unit.parent", "is required below the province level");
  }
  if (!in.parent().empty() && !ParseSingleName("units", in.parent(), "").ok()) {
    v.Add("unit.parent", "must be a name of the form units/{code}");
  }
  CheckDate(v, "unit.open_date", in.open_date());
  if (!in.close_date().empty() && CheckDate(v, "unit.close_date", in.close_date()) &&
      in.close_date() <= in.open_date()) {
    v.Add("unit.close_date", "must be after open_date");
  }
  for (int i = 0; i < in.successors_size(); ++i) {
    if (!ParseSingleName("units", in.successors(i), "").ok()) {
      v.Add(absl::StrCat("unit.successors[", i, "]"), "must be a name of the form units/{code}");
    }
  }
  RETURN_IF_ERROR(v.ToStatus());

  return InTx<pb::Unit>(store_, [&](RegistryTx& tx) {
    return Idempotent<pb::Unit, RegistryTx>(
        tx, "CreateUnit", request, request.request_id(), [&]() -> absl::StatusOr<pb::Unit> {
          if (tx.GetUnit(code).ok()) {
            return absl::AlreadyExistsError(absl::StrCat(in.name(), " already exists"));
          }
          if (!in.parent().empty()) {
            RETURN_IF_ERROR(ExistingUnit(tx, in.parent(), "unit.parent"));
          }
          for (int i = 0; i < in.successors_size(); ++i) {
            RETURN_IF_ERROR(
                ExistingUnit(tx, in.successors(i), absl::StrCat("unit.successors[", i, "]")));
          }
          pb::Unit unit = in;
          unit.set_etag("v1");
          *unit.mutable_create_time() = Now();
          *unit.mutable_update_time() = unit.create_time();
          RETURN_IF_ERROR(tx.PutUnit(code, unit));
          RETURN_IF_ERROR(
              Emit(tx, type::v1::CHANGE_TYPE_CREATED, [&](auto& c) { *c.mutable_unit() = unit; }));
          return unit;
        });
  });
}

absl::StatusOr<pb::Unit> Registry::UpdateUnit(const pb::UpdateUnitRequest& request) {
  const pb::Unit& in = request.unit();
  ASSIGN_OR_RETURN(auto code, ParseSingleName("units", in.name(), "unit.name"));
  std::vector<std::string> paths(request.update_mask().paths().begin(),
                                 request.update_mask().paths().end());
  if (paths.empty()) paths = {"display_name", "close_date", "successors"};
  FieldViolations v;
  for (const auto& p : paths) {
    if (p == "display_name") {
      CheckText(v, "unit.display_name", in.display_name(), true);
    } else if (p == "close_date") {
      if (!in.close_date().empty()) CheckDate(v, "unit.close_date", in.close_date());
    } else if (p == "successors") {
      for (int i = 0; i < in.successors_size(); ++i) {
        if (!ParseSingleName("units", in.successors(i), "").ok()) {
          v.Add(absl::StrCat("unit.successors[", i, "]"), "must be units/{code}");
        }
      }
    } else {
      v.Add("update_mask", absl::StrCat(p,
                                        " cannot be updated; updatable: display_name, "
                                        "close_date, successors"));
    }
  }
  RETURN_IF_ERROR(v.ToStatus());
  return InTx<pb::Unit>(store_, [&](RegistryTx& tx) -> absl::StatusOr<pb::Unit> {
    ASSIGN_OR_RETURN(auto unit, tx.GetUnit(code));
    RETURN_IF_ERROR(CheckEtag(in.etag(), unit.etag()));
    for (const auto& p : paths) {
      if (p == "display_name") unit.set_display_name(in.display_name());
      if (p == "close_date") {
        if (!in.close_date().empty() && in.close_date() <= unit.open_date()) {
          return FailedField("unit.close_date", "must be after open_date");
        }
        unit.set_close_date(in.close_date());
      }
      if (p == "successors") {
        for (int i = 0; i < in.successors_size(); ++i) {
          RETURN_IF_ERROR(
              ExistingUnit(tx, in.successors(i), absl::StrCat("unit.successors[", i, "]")));
        }
        *unit.mutable_successors() = in.successors();
      }
    }
    unit.set_etag(NextEtag(unit.etag()));
    *unit.mutable_update_time() = Now();
    RETURN_IF_ERROR(tx.PutUnit(code, unit));
    if (auto s =
            Emit(tx, type::v1::CHANGE_TYPE_UPDATED, [&](auto& c) { *c.mutable_unit() = unit; });
        !s.ok()) {
      return s;
    }
    return unit;
  });
}

// ---------------------------------------------------------------- Bodies

absl::StatusOr<pb::Body> Registry::GetBody(const pb::GetBodyRequest& request) {
  ASSIGN_OR_RETURN(auto id, ParseSingleName("bodies", request.name(), "name"));
  return InTx<pb::Body>(store_, [&](RegistryTx& tx) { return tx.GetBody(id); });
}

absl::StatusOr<pb::ListBodiesResponse> Registry::ListBodies(const pb::ListBodiesRequest& request) {
  ASSIGN_OR_RETURN(auto list,
                   ParseListRequest(request.page_size(), request.filter(), request.page_token(),
                                    absl::StrCat("bodies|", request.filter())));
  BodyQuery q;
  for (const auto& t : list.terms) {
    if (t.op != "=") return InvalidField("filter", absl::StrCat(t.field, " supports only ="));
    if (t.field == "unit") {
      ASSIGN_OR_RETURN(auto code, ParseSingleName("units", t.value, "filter"));
      q.under_unit = code;
    } else if (t.field == "kind") {
      pb::BodyKind kind;
      if (!pb::BodyKind_Parse(t.value, &kind)) {
        return InvalidField("filter", "kind takes a BODY_KIND_ value");
      }
      q.kind = kind;
    } else {
      return InvalidField("filter", absl::StrCat("unknown field ", t.field, "; use unit or kind"));
    }
  }
  q.after_id = list.after;
  q.limit = list.page_size + 1;
  auto bodies =
      InTx<std::vector<pb::Body>>(store_, [&](RegistryTx& tx) { return tx.ListBodies(q); });
  if (!bodies.ok()) return bodies.status();
  pb::ListBodiesResponse response;
  FillPage(
      response, *bodies, list, [](const pb::Body& b) { return b.name().substr(7); },
      response.mutable_bodies());
  return response;
}

absl::StatusOr<pb::Body> Registry::CreateBody(const pb::CreateBodyRequest& request) {
  RETURN_IF_ERROR(CheckRequestId(request.request_id()));
  const pb::Body& in = request.body();
  FieldViolations v;
  const std::string& id = request.body_id();
  bool id_ok = !id.empty() && id.size() <= 63;
  for (char c : id) {
    if (!(absl::ascii_islower(static_cast<unsigned char>(c)) ||
          absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '-')) {
      id_ok = false;
    }
  }
  // Beginning with a letter or digit: "-" is the collection wildcard.
  if (!id.empty() && id.front() == '-') id_ok = false;
  if (!id_ok) {
    v.Add(
        "body_id",
        "must be 1 to 63 lowercase letters, digits and hyphens, beginning with a letter or digit");
  }
  CheckText(v, "body.display_name", in.display_name(), true);
  if (in.kind() == pb::BODY_KIND_UNSPECIFIED || !pb::BodyKind_IsValid(in.kind())) {
    v.Add("body.kind", "must be one of the BODY_KIND_ values");
  }
  if (!ParseSingleName("units", in.unit(), "").ok()) {
    v.Add("body.unit", "must be a name of the form units/{code}");
  }
  RETURN_IF_ERROR(v.ToStatus());
  return InTx<pb::Body>(store_, [&](RegistryTx& tx) {
    return Idempotent<pb::Body, RegistryTx>(
        tx, "CreateBody", request, request.request_id(), [&]() -> absl::StatusOr<pb::Body> {
          if (tx.GetBody(id).ok()) {
            return absl::AlreadyExistsError(absl::StrCat("bodies/", id, " already exists"));
          }
          RETURN_IF_ERROR(ExistingUnit(tx, in.unit(), "body.unit"));
          pb::Body body = in;
          body.set_name(absl::StrCat("bodies/", id));
          body.set_etag("v1");
          *body.mutable_create_time() = Now();
          *body.mutable_update_time() = body.create_time();
          RETURN_IF_ERROR(tx.PutBody(id, body));
          RETURN_IF_ERROR(
              Emit(tx, type::v1::CHANGE_TYPE_CREATED, [&](auto& c) { *c.mutable_body() = body; }));
          return body;
        });
  });
}

absl::StatusOr<pb::Body> Registry::UpdateBody(const pb::UpdateBodyRequest& request) {
  const pb::Body& in = request.body();
  ASSIGN_OR_RETURN(auto id, ParseSingleName("bodies", in.name(), "body.name"));
  for (const auto& p : request.update_mask().paths()) {
    if (p != "display_name") {
      return InvalidField("update_mask",
                          absl::StrCat(p, " cannot be updated; updatable: display_name"));
    }
  }
  FieldViolations v;
  CheckText(v, "body.display_name", in.display_name(), true);
  RETURN_IF_ERROR(v.ToStatus());
  return InTx<pb::Body>(store_, [&](RegistryTx& tx) -> absl::StatusOr<pb::Body> {
    ASSIGN_OR_RETURN(auto body, tx.GetBody(id));
    RETURN_IF_ERROR(CheckEtag(in.etag(), body.etag()));
    body.set_display_name(in.display_name());
    body.set_etag(NextEtag(body.etag()));
    *body.mutable_update_time() = Now();
    RETURN_IF_ERROR(tx.PutBody(id, body));
    if (auto s =
            Emit(tx, type::v1::CHANGE_TYPE_UPDATED, [&](auto& c) { *c.mutable_body() = body; });
        !s.ok()) {
      return s;
    }
    return body;
  });
}

// ---------------------------------------------------------------- Enterprises

absl::StatusOr<pb::Enterprise> Registry::GetEnterprise(const pb::GetEnterpriseRequest& request) {
  ASSIGN_OR_RETURN(auto code, ParseEnterpriseName(request.name(), "name"));
  auto e = InTx<pb::Enterprise>(store_, [&](RegistryTx& tx) { return tx.GetEnterprise(code); });
  if (e.ok()) Derive(*e, FormatDate(today_()));
  return e;
}

absl::StatusOr<pb::ListEnterprisesResponse> Registry::ListEnterprises(
    const pb::ListEnterprisesRequest& request) {
  auto list =
      ParseListRequest(request.page_size(), request.filter(), request.page_token(),
                       absl::StrCat("enterprises|", request.filter(), "|", request.as_of_date()));
  if (!list.ok()) return list.status();
  EnterpriseQuery q;
  q.as_of = request.as_of_date().empty() ? FormatDate(today_()) : request.as_of_date();
  if (!request.as_of_date().empty()) {
    RETURN_IF_ERROR(ParseDate(request.as_of_date(), "as_of_date"));
  }
  for (const auto& t : list->terms) {
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
    if (!eq) return InvalidField("filter", absl::StrCat(t.field, " supports only ="));
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
  q.after_code = list->after;
  q.limit = list->page_size + 1;
  ASSIGN_OR_RETURN(auto rows, InTx<std::vector<pb::Enterprise>>(
                                  store_, [&](RegistryTx& tx) { return tx.ListEnterprises(q); }));
  const std::string today = FormatDate(today_());
  for (auto& e : rows) Derive(e, today);
  pb::ListEnterprisesResponse response;
  FillPage(
      response, rows, *list, [](const pb::Enterprise& e) { return e.enterprise_code(); },
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
    for (auto& [f, d] : GetFieldViolations(s)) v.Add(f, d);
  }
  CheckEnterpriseFields(v, in, "enterprise.", today);
  RETURN_IF_ERROR(v.ToStatus());
  const std::string& code = in.enterprise_code();
  return InTx<pb::Enterprise>(store_, [&](RegistryTx& tx) {
    return Idempotent<pb::Enterprise, RegistryTx>(
        tx, "CreateEnterprise", request, request.request_id(),
        [&]() -> absl::StatusOr<pb::Enterprise> {
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
          *first->mutable_record_time() = Now();
          e.set_etag("v1");
          *e.mutable_create_time() = Now();
          *e.mutable_update_time() = e.create_time();
          Derive(e, today);
          RETURN_IF_ERROR(tx.PutEnterprise(code, e));
          RETURN_IF_ERROR(Emit(tx, type::v1::CHANGE_TYPE_CREATED,
                               [&](auto& c) { *c.mutable_enterprise() = e; }));
          return e;
        });
  });
}

absl::StatusOr<pb::Enterprise> Registry::UpdateEnterprise(
    const pb::UpdateEnterpriseRequest& request) {
  const pb::Enterprise& in = request.enterprise();
  // The name, and only the name, says which enterprise: a lookup by
  // another key would escape the scope check made on the name.
  if (in.name().empty()) return InvalidField("enterprise.name", "is required");
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
      if (p == "display_name") e.set_display_name(in.display_name());
      if (p == "legal_form") e.set_legal_form(in.legal_form());
      if (p == "sector") e.set_sector(in.sector());
      if (p == "self_requested_founding")
        e.set_self_requested_founding(in.self_requested_founding());
      if (p == "seat_unit") {
        RETURN_IF_ERROR(ExistingUnit(tx, in.seat_unit(), "enterprise.seat_unit"));
        e.set_seat_unit(in.seat_unit());
      }
    }
    e.set_etag(NextEtag(e.etag()));
    *e.mutable_update_time() = Now();
    Derive(e, today);
    RETURN_IF_ERROR(tx.PutEnterprise(code, e));
    if (auto s =
            Emit(tx, type::v1::CHANGE_TYPE_UPDATED, [&](auto& c) { *c.mutable_enterprise() = e; });
        !s.ok()) {
      return s;
    }
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
  return InTx<pb::Enterprise>(store_, [&](RegistryTx& tx) {
    return Idempotent<pb::Enterprise, RegistryTx>(
        tx, "ChangeEnterpriseStatus", request, request.request_id(),
        [&]() -> absl::StatusOr<pb::Enterprise> {
          ASSIGN_OR_RETURN(auto e, tx.GetEnterprise(code));
          RETURN_IF_ERROR(CheckEtag(request.etag(), e.etag()));
          if (request.effective_date() < e.registration_date()) {
            return FailedField("effective_date", "is before the enterprise's registration date");
          }
          const auto& last = e.status_history(e.status_history_size() - 1);
          if (request.effective_date() < last.effective_date()) {
            return FailedField(
                "effective_date",
                absl::StrCat("is before the latest recorded change (", last.effective_date(),
                             "); the history is append-only"));
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
          *p->mutable_record_time() = Now();
          e.set_etag(NextEtag(e.etag()));
          *e.mutable_update_time() = Now();
          Derive(e, today);
          RETURN_IF_ERROR(tx.PutEnterprise(code, e));
          RETURN_IF_ERROR(Emit(tx, type::v1::CHANGE_TYPE_UPDATED,
                               [&](auto& c) { *c.mutable_enterprise() = e; }));
          return e;
        });
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
    if (n < 0) v.Add(absl::StrCat("member_counts.", f), "must not be negative");
  };
  non_negative("official_party_members", c.official_party_members());
  non_negative("probationary_party_members", c.probationary_party_members());
  non_negative("trade_union_members", c.trade_union_members());
  non_negative("youth_union_members", c.youth_union_members());
  non_negative("employees", c.employees());
  RETURN_IF_ERROR(v.ToStatus());
  return InTx<pb::Enterprise>(store_, [&](RegistryTx& tx) {
    return Idempotent<pb::Enterprise, RegistryTx>(
        tx, "RecordMemberCounts", request, request.request_id(),
        [&]() -> absl::StatusOr<pb::Enterprise> {
          ASSIGN_OR_RETURN(auto e, tx.GetEnterprise(code));
          RETURN_IF_ERROR(CheckEtag(request.etag(), e.etag()));
          if (c.as_of_date() < e.registration_date()) {
            return FailedField("member_counts.as_of_date", "is before the registration date");
          }
          RETURN_IF_ERROR(tx.PutMemberCounts(code, c));
          if (!e.has_member_counts() || c.as_of_date() >= e.member_counts().as_of_date()) {
            *e.mutable_member_counts() = c;
          }
          e.set_etag(NextEtag(e.etag()));
          *e.mutable_update_time() = Now();
          Derive(e, today);
          RETURN_IF_ERROR(tx.PutEnterprise(code, e));
          RETURN_IF_ERROR(Emit(tx, type::v1::CHANGE_TYPE_UPDATED,
                               [&](auto& ch) { *ch.mutable_enterprise() = e; }));
          return e;
        });
  });
}

namespace {

// A row's failure that rejects the row alone; any other failure (storage)
// fails the whole batch.
bool RejectsRowOnly(const absl::Status& s) {
  return absl::IsInvalidArgument(s) || absl::IsFailedPrecondition(s) || absl::IsNotFound(s) ||
         absl::IsOutOfRange(s) || absl::IsAlreadyExists(s);
}

pb::ImportRowResult Rejected(pb::ImportRowResult result, const absl::Status& s) {
  result.set_outcome(pb::IMPORT_OUTCOME_REJECTED);
  auto violations = GetFieldViolations(s);
  if (!violations.empty()) {
    result.set_field(violations.front().first);
    result.set_reason(violations.front().second);
  } else {
    result.set_reason(std::string(s.message()));
  }
  return result;
}

}  // namespace

absl::Status Registry::CheckImportRow(const pb::Enterprise& row, const std::string& today) {
  FieldViolations v;
  if (auto s = ValidateEnterpriseCode(row.enterprise_code(), "enterprise_code"); !s.ok()) {
    for (auto& [f, d] : GetFieldViolations(s)) v.Add(f, d);
  }
  CheckEnterpriseFields(v, row, "", today);
  if (row.status_history_size() > 1) {
    v.Add("status_history", "an import row carries at most one status entry");
  }
  if (row.status_history_size() == 1) {
    const auto& p = row.status_history(0);
    if (p.status() == 0 || !type::v1::EnterpriseStatus_IsValid(p.status())) {
      v.Add("status_history[0].status", "must be one of the ENTERPRISE_STATUS_ values");
    }
    if (CheckDate(v, "status_history[0].effective_date", p.effective_date()) &&
        (p.effective_date() > today || p.effective_date() < row.registration_date())) {
      v.Add("status_history[0].effective_date", "must lie between the registration date and today");
    }
    if (!p.end_date().empty() && CheckDate(v, "status_history[0].end_date", p.end_date()) &&
        (p.status() != type::v1::ENTERPRISE_STATUS_SUSPENDED ||
         p.end_date() <= p.effective_date())) {
      v.Add("status_history[0].end_date", "is only for a suspension, after its start");
    }
  }
  return v.ToStatus();
}

absl::StatusOr<pb::ImportOutcome> Registry::ApplyImportRow(RegistryTx& tx,
                                                           const pb::Enterprise& row,
                                                           const std::string& source,
                                                           const std::string& today,
                                                           const std::set<std::string>* scope) {
  const std::string& code = row.enterprise_code();
  pb::ImportOutcome outcome = pb::IMPORT_OUTCOME_UNSPECIFIED;
  ASSIGN_OR_RETURN(auto unit, ExistingUnit(tx, row.seat_unit(), "seat_unit"));
  auto existing = tx.GetEnterprise(code);
  if (!existing.ok() && !absl::IsNotFound(existing.status())) return existing.status();
  if (existing.ok() && scope != nullptr) {
    // The stored seat, read in this transaction, must be in the caller's
    // scope; before any other comparison, so an outsider learns nothing of
    // the enterprise (not even that its registration date differs).
    ASSIGN_OR_RETURN(auto covered,
                     CoversUnit(*scope, existing->seat_unit(),
                                [&tx](const std::string& unit) -> absl::StatusOr<std::string> {
                                  auto code = ParseSingleName("units", unit, "");
                                  if (!code.ok()) return absl::NotFoundError(unit);
                                  ASSIGN_OR_RETURN(auto u, tx.GetUnit(*code));
                                  return u.parent();
                                }));
    if (!covered) return InvalidField("enterprise_code", "is not in your scope");
  }
  pb::Enterprise e;
  bool changed = false;
  if (existing.ok()) {
    e = *existing;
    if (e.registration_date() != row.registration_date()) {
      return FailedField("registration_date", "differs from the registered enterprise's");
    }
    if (e.display_name() != row.display_name() || e.legal_form() != row.legal_form() ||
        e.sector() != row.sector() || e.seat_unit() != row.seat_unit() ||
        e.self_requested_founding() != row.self_requested_founding()) {
      e.set_display_name(row.display_name());
      e.set_legal_form(row.legal_form());
      e.set_sector(row.sector());
      e.set_seat_unit(row.seat_unit());
      e.set_self_requested_founding(row.self_requested_founding());
      changed = true;
    }
    outcome = pb::IMPORT_OUTCOME_UPDATED;
  } else {
    e.set_enterprise_code(code);
    e.set_display_name(row.display_name());
    e.set_legal_form(row.legal_form());
    e.set_sector(row.sector());
    e.set_seat_unit(row.seat_unit());
    e.set_registration_date(row.registration_date());
    e.set_self_requested_founding(row.self_requested_founding());
    auto* first = e.add_status_history();
    first->set_status(type::v1::ENTERPRISE_STATUS_ACTIVE);
    first->set_effective_date(row.registration_date());
    first->set_source(source);
    *first->mutable_record_time() = Now();
    *e.mutable_create_time() = Now();
    changed = true;
    outcome = pb::IMPORT_OUTCOME_CREATED;
  }
  if (row.status_history_size() == 1) {
    const auto& p = row.status_history(0);
    const auto& last = e.status_history(e.status_history_size() - 1);
    const bool differs =
        StatusOn(e, p.effective_date()) != p.status() ||
        (p.status() == type::v1::ENTERPRISE_STATUS_SUSPENDED && last.end_date() != p.end_date());
    if (differs) {
      if (p.effective_date() < last.effective_date()) {
        return FailedField("status_history[0].effective_date",
                           "is before the latest recorded change");
      }
      auto* added = e.add_status_history();
      *added = p;
      if (added->source().empty()) added->set_source(source);
      *added->mutable_record_time() = Now();
      changed = true;
    }
  }
  if (!changed) return pb::IMPORT_OUTCOME_UNCHANGED;
  e.set_etag(NextEtag(e.etag()));
  *e.mutable_update_time() = Now();
  Derive(e, today);
  RETURN_IF_ERROR(tx.PutEnterprise(code, e));
  RETURN_IF_ERROR(Emit(tx,
                       outcome == pb::IMPORT_OUTCOME_CREATED ? type::v1::CHANGE_TYPE_CREATED
                                                             : type::v1::CHANGE_TYPE_UPDATED,
                       [&](auto& c) { *c.mutable_enterprise() = e; }));
  return outcome;
}

absl::StatusOr<std::vector<pb::ImportRowResult>> Registry::ImportRows(
    const google::protobuf::RepeatedPtrField<pb::Enterprise>& rows, int64_t first_row,
    const std::string& source, const std::set<std::string>* scope) {
  const std::string today = FormatDate(today_());
  std::vector<pb::ImportRowResult> results(rows.size());
  std::vector<bool> valid(rows.size());
  for (int i = 0; i < rows.size(); ++i) {
    results[i].set_row(first_row + i);
    results[i].set_enterprise_code(rows[i].enterprise_code());
    absl::Status s = CheckImportRow(rows[i], today);
    valid[i] = s.ok();
    if (!s.ok()) results[i] = Rejected(std::move(results[i]), s);
  }
  RETURN_IF_ERROR(store_->Transact([&](RegistryTx& tx) -> absl::Status {
    for (int i = 0; i < rows.size(); ++i) {
      if (!valid[i]) continue;
      results[i].clear_reason();
      results[i].clear_field();
      auto outcome = ApplyImportRow(tx, rows[i], source, today, scope);
      if (outcome.ok()) {
        results[i].set_outcome(*outcome);
      } else if (RejectsRowOnly(outcome.status())) {
        // Nothing of the row was written: every check comes before a write.
        results[i] = Rejected(std::move(results[i]), outcome.status());
      } else {
        return outcome.status();
      }
    }
    return absl::OkStatus();
  }));
  return results;
}

// ---------------------------------------------------------------- Organizations

absl::StatusOr<pb::Organization> Registry::GetOrganization(
    const pb::GetOrganizationRequest& request) {
  auto ids =
      ParseName("enterprises/{enterprise}/organizations/{organization}", request.name(), "name");
  if (!ids.ok()) return ids.status();
  return InTx<pb::Organization>(
      store_, [&](RegistryTx& tx) { return tx.GetOrganization((*ids)[0], (*ids)[1]); });
}

absl::StatusOr<pb::ListOrganizationsResponse> Registry::ListOrganizations(
    const pb::ListOrganizationsRequest& request) {
  ASSIGN_OR_RETURN(auto code, ParseEnterpriseParent(request.parent()));
  auto list =
      ParseListRequest(request.page_size(), request.filter(), request.page_token(),
                       absl::StrCat("organizations|", request.parent(), "|", request.filter()));
  if (!list.ok()) return list.status();
  OrganizationQuery q;
  if (code != "-") q.enterprise_code = code;
  for (const auto& t : list->terms) {
    if (t.op != "=") return InvalidField("filter", absl::StrCat(t.field, " supports only ="));
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
  q.after_key = list->after;
  q.limit = list->page_size + 1;
  ASSIGN_OR_RETURN(auto rows, InTx<std::vector<pb::Organization>>(
                                  store_, [&](RegistryTx& tx) { return tx.ListOrganizations(q); }));
  pb::ListOrganizationsResponse response;
  FillPage(
      response, rows, *list,
      [](const pb::Organization& o) {
        // "enterprises/{code}/organizations/{id}" → "{code}/{id}".
        std::string key = o.name().substr(12);
        return key.replace(key.find("/organizations/"), 15, "/");
      },
      response.mutable_organizations());
  return response;
}

absl::StatusOr<pb::Organization> Registry::CreateOrganization(
    const pb::CreateOrganizationRequest& request) {
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
  if (!ParseSingleName("bodies", in.founding_body(), "").ok()) {
    v.Add("organization.founding_body", "must be a name of the form bodies/{body}");
  }
  if (in.members_at_founding() < 0) {
    v.Add("organization.members_at_founding", "must not be negative");
  }
  RETURN_IF_ERROR(v.ToStatus());
  return InTx<pb::Organization>(store_, [&](RegistryTx& tx) {
    return Idempotent<pb::Organization, RegistryTx>(
        tx, "CreateOrganization", request, request.request_id(),
        [&]() -> absl::StatusOr<pb::Organization> {
          ASSIGN_OR_RETURN(auto e, tx.GetEnterprise(code));
          if (in.founding_date() < e.registration_date()) {
            return FailedField("organization.founding_date",
                               "is before the enterprise's registration date");
          }
          if (IsTerminal(StatusOn(e, in.founding_date())) || IsTerminal(StatusOn(e, today))) {
            return FailedField("parent",
                               "nothing is founded in a dissolved or bankrupt enterprise");
          }
          RETURN_IF_ERROR(ExistingBody(tx, in.founding_body(), "organization.founding_body"));
          OrganizationQuery active;
          active.enterprise_code = code;
          active.kind = in.kind();
          active.active = true;
          active.limit = 1;
          ASSIGN_OR_RETURN(auto existing, tx.ListOrganizations(active));
          if (!existing.empty()) {
            return WithReason(
                FailedField(
                    "organization.kind",
                    absl::StrCat("the enterprise already has an active organization of this "
                                 "kind: ",
                                 existing.front().name())),
                "ORGANIZATION_EXISTS");
          }
          ASSIGN_OR_RETURN(auto id, tx.NextId("organization"));
          pb::Organization org = in;
          org.set_name(absl::StrCat(request.parent(), "/organizations/", id));
          org.set_seat_unit(e.seat_unit());
          org.clear_dissolution_date();
          org.clear_dissolution_reason();
          org.set_etag("v1");
          *org.mutable_create_time() = Now();
          *org.mutable_update_time() = org.create_time();
          RETURN_IF_ERROR(tx.PutOrganization(code, absl::StrCat(id), org));
          RETURN_IF_ERROR(Emit(tx, type::v1::CHANGE_TYPE_CREATED,
                               [&](auto& c) { *c.mutable_organization() = org; }));
          return org;
        });
  });
}

absl::StatusOr<pb::Organization> Registry::DissolveOrganization(
    const pb::DissolveOrganizationRequest& request) {
  RETURN_IF_ERROR(CheckRequestId(request.request_id()));
  auto ids =
      ParseName("enterprises/{enterprise}/organizations/{organization}", request.name(), "name");
  if (!ids.ok()) return ids.status();
  const std::string today = FormatDate(today_());
  FieldViolations v;
  if (CheckDate(v, "dissolution_date", request.dissolution_date()) &&
      request.dissolution_date() > today) {
    v.Add("dissolution_date", "must not be in the future");
  }
  CheckText(v, "reason", request.reason(), false, kMaxTextLength);
  RETURN_IF_ERROR(v.ToStatus());
  return InTx<pb::Organization>(store_, [&](RegistryTx& tx) {
    return Idempotent<pb::Organization, RegistryTx>(
        tx, "DissolveOrganization", request, request.request_id(),
        [&]() -> absl::StatusOr<pb::Organization> {
          ASSIGN_OR_RETURN(auto org, tx.GetOrganization((*ids)[0], (*ids)[1]));
          RETURN_IF_ERROR(CheckEtag(request.etag(), org.etag()));
          if (!org.dissolution_date().empty()) {
            return FailedField("name", "the organization is already dissolved");
          }
          if (request.dissolution_date() < org.founding_date()) {
            return FailedField("dissolution_date", "is before the founding date");
          }
          org.set_dissolution_date(request.dissolution_date());
          org.set_dissolution_reason(request.reason());
          org.set_etag(NextEtag(org.etag()));
          *org.mutable_update_time() = Now();
          RETURN_IF_ERROR(tx.PutOrganization((*ids)[0], (*ids)[1], org));
          RETURN_IF_ERROR(Emit(tx, type::v1::CHANGE_TYPE_UPDATED,
                               [&](auto& c) { *c.mutable_organization() = org; }));
          return org;
        });
  });
}

// ---------------------------------------------------------------- Admissions

absl::StatusOr<pb::Admission> Registry::GetAdmission(const pb::GetAdmissionRequest& request) {
  ASSIGN_OR_RETURN(auto ids, ParseName("enterprises/{enterprise}/admissions/{admission}",
                                       request.name(), "name"));
  return InTx<pb::Admission>(store_,
                             [&](RegistryTx& tx) { return tx.GetAdmission((ids)[0], (ids)[1]); });
}

absl::StatusOr<pb::ListAdmissionsResponse> Registry::ListAdmissions(
    const pb::ListAdmissionsRequest& request) {
  ASSIGN_OR_RETURN(auto code, ParseEnterpriseParent(request.parent()));
  auto list =
      ParseListRequest(request.page_size(), request.filter(), request.page_token(),
                       absl::StrCat("admissions|", request.parent(), "|", request.filter()));
  if (!list.ok()) return list.status();
  AdmissionQuery q;
  if (code != "-") q.enterprise_code = code;
  for (const auto& t : list->terms) {
    if (t.op != "=") return InvalidField("filter", absl::StrCat(t.field, " supports only ="));
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
  q.after_key = list->after;
  q.limit = list->page_size + 1;
  ASSIGN_OR_RETURN(auto rows, InTx<std::vector<pb::Admission>>(
                                  store_, [&](RegistryTx& tx) { return tx.ListAdmissions(q); }));
  pb::ListAdmissionsResponse response;
  FillPage(
      response, rows, *list,
      [](const pb::Admission& a) {
        std::string key = a.name().substr(12);
        return key.replace(key.find("/admissions/"), 12, "/");
      },
      response.mutable_admissions());
  return response;
}

absl::StatusOr<pb::Admission> Registry::CreateAdmission(const pb::CreateAdmissionRequest& request) {
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
  if (!in.admitting_body().empty() && !ParseSingleName("bodies", in.admitting_body(), "").ok()) {
    v.Add("admission.admitting_body", "must be a name of the form bodies/{body}");
  }
  RETURN_IF_ERROR(v.ToStatus());
  return InTx<pb::Admission>(store_, [&](RegistryTx& tx) {
    return Idempotent<pb::Admission, RegistryTx>(
        tx, "CreateAdmission", request, request.request_id(),
        [&]() -> absl::StatusOr<pb::Admission> {
          ASSIGN_OR_RETURN(auto e, tx.GetEnterprise(code));
          if (in.admission_date() < e.registration_date()) {
            return FailedField("admission.admission_date",
                               "is before the enterprise's registration date");
          }
          if (IsTerminal(StatusOn(e, in.admission_date()))) {
            return FailedField("parent", "the enterprise was dissolved or bankrupt on that date");
          }
          if (!in.admitting_body().empty()) {
            RETURN_IF_ERROR(ExistingBody(tx, in.admitting_body(), "admission.admitting_body"));
          }
          ASSIGN_OR_RETURN(auto id, tx.NextId("admission"));
          pb::Admission a = in;
          a.set_name(absl::StrCat(request.parent(), "/admissions/", id));
          a.set_seat_unit(e.seat_unit());
          *a.mutable_create_time() = Now();
          RETURN_IF_ERROR(tx.PutAdmission(code, absl::StrCat(id), a));
          RETURN_IF_ERROR(Emit(tx, type::v1::CHANGE_TYPE_CREATED,
                               [&](auto& c) { *c.mutable_admission() = a; }));
          return a;
        });
  });
}

namespace {
// A name the registry refuses as malformed names nothing.
template <typename T>
absl::StatusOr<T> Found(absl::StatusOr<T> got, const std::string& name) {
  if (absl::IsInvalidArgument(got.status())) return absl::NotFoundError(name);
  return got;
}
}  // namespace

absl::StatusOr<std::string> RegistryResources::ParentOf(const std::string& unit) {
  pb::GetUnitRequest r;
  r.set_name(unit);
  ASSIGN_OR_RETURN(auto got, Found(registry_->GetUnit(r), unit));
  return got.parent();
}

absl::StatusOr<std::vector<std::string>> RegistryResources::Roots() {
  return RootUnits([this](const pb::ListUnitsRequest& r) { return registry_->ListUnits(r); });
}

absl::StatusOr<std::string> RegistryResources::SeatOf(const std::string& enterprise) {
  pb::GetEnterpriseRequest r;
  r.set_name(enterprise);
  ASSIGN_OR_RETURN(auto got, Found(registry_->GetEnterprise(r), enterprise));
  return got.seat_unit();
}

absl::StatusOr<std::string> RegistryResources::UnitOfBody(const std::string& body) {
  pb::GetBodyRequest r;
  r.set_name(body);
  ASSIGN_OR_RETURN(auto got, Found(registry_->GetBody(r), body));
  return got.unit();
}

absl::StatusOr<std::string> RegistryResources::AssignerOf(const std::string& target) {
  return absl::NotFoundError(target);
}

}  // namespace chitieu::registry

// The registry's rules of administrative units: the effective-dated tree
// (parent, open and close dates, successors) and its listing.

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

absl::StatusOr<pb::Unit> Registry::GetUnit(const pb::GetUnitRequest& request) {
  ASSIGN_OR_RETURN(auto code, ParseSingleName("units", request.name(), "name"));
  return InView<pb::Unit>(store_, [&](RegistryTx& tx) { return tx.GetUnit(code); });
}

absl::StatusOr<pb::ListUnitsResponse> Registry::ListUnits(const pb::ListUnitsRequest& request) {
  ASSIGN_OR_RETURN(
      auto list,
      ParseListRequest(request.page_size(), request.filter(), request.page_token(),
                       absl::StrCat("units|", request.filter(), "|", request.open_on())));
  UnitQuery q;
  for (const auto& t : list.terms) {
    if (t.op != "=") {
      return InvalidField("filter", absl::StrCat(t.field, " supports only ="));
    }
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
  ASSIGN_OR_RETURN(auto units, InView<std::vector<pb::Unit>>(
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

  return Idempotent<pb::Unit>(
      store_, "CreateUnit", request, request.request_id(),
      [&](RegistryTx& tx) -> absl::StatusOr<pb::Unit> {
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
        StampCreated(unit);
        RETURN_IF_ERROR(tx.PutUnit(code, unit));
        RETURN_IF_ERROR(EmitChange(tx, type::v1::CHANGE_TYPE_CREATED,
                                   &pb::StreamChangesResponse::mutable_unit, unit));
        return unit;
      });
}

absl::StatusOr<pb::Unit> Registry::UpdateUnit(const pb::UpdateUnitRequest& request) {
  const pb::Unit& in = request.unit();
  ASSIGN_OR_RETURN(auto code, ParseSingleName("units", in.name(), "unit.name"));
  std::vector<std::string> paths(request.update_mask().paths().begin(),
                                 request.update_mask().paths().end());
  if (paths.empty()) {
    paths = {"display_name", "close_date", "successors"};
  }
  FieldViolations v;
  for (const auto& p : paths) {
    if (p == "display_name") {
      CheckText(v, "unit.display_name", in.display_name(), true);
    } else if (p == "close_date") {
      if (!in.close_date().empty()) {
        CheckDate(v, "unit.close_date", in.close_date());
      }
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
      if (p == "display_name") {
        unit.set_display_name(in.display_name());
      }
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
    StampUpdated(unit);
    RETURN_IF_ERROR(tx.PutUnit(code, unit));
    RETURN_IF_ERROR(EmitChange(tx, type::v1::CHANGE_TYPE_UPDATED,
                               &pb::StreamChangesResponse::mutable_unit, unit));
    return unit;
  });
}

}  // namespace chitieu::registry

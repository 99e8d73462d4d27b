// The helpers every resource's rules share (registry_shared.h).

#include "services/registry/registry_shared.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "libs/common/errors.h"
#include "libs/common/mutation.h"
#include "libs/common/names.h"
#include "libs/common/status_macros.h"
#include "libs/common/validation.h"
#include "services/registry/registry.h"
#include "services/registry/tax_code.h"

namespace chitieu::registry {

using ::chitieu::type::v1::EnterpriseStatus;
using ::google::protobuf::util::TimeUtil;

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
  if (name == "enterprises/-") {
    return std::string("-");
  }
  return ParseEnterpriseName(name, "parent");
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
  return ExistingBody(tx.GetBody(id), name, field);
}

absl::StatusOr<pb::Body> ExistingBody(absl::StatusOr<pb::Body> read, const std::string& name,
                                      const std::string& field) {
  if (absl::IsNotFound(read.status())) {
    return FailedField(field, absl::StrCat("body ", name, " does not exist"));
  }
  return read;
}

bool IsUnitCode(const std::string& code) {
  if (code.empty() || code.size() > 10) {
    return false;
  }
  for (char c : code) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

bool IsTerminal(EnterpriseStatus s) {
  return s == type::v1::ENTERPRISE_STATUS_DISSOLVED || s == type::v1::ENTERPRISE_STATUS_BANKRUPT;
}

void SetComputedFields(pb::Enterprise& e, const std::string& today) {
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

absl::Status SaveEnterprise(RegistryTx& tx, const std::string& code, const std::string& today,
                            type::v1::ChangeType type, pb::Enterprise& enterprise) {
  SetComputedFields(enterprise, today);
  RETURN_IF_ERROR(tx.PutEnterprise(code, enterprise));
  return EmitChange(tx, type, &pb::StreamChangesResponse::mutable_enterprise, enterprise);
}

}  // namespace chitieu::registry

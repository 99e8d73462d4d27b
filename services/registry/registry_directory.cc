// What the authorization policy (libs/common/policy.h) asks the registry
// about its own data: parents, roots, seats and bodies' units.

#include "libs/common/root_units.h"
#include "libs/common/status_macros.h"
#include "services/registry/registry.h"

namespace chitieu::registry {

absl::StatusOr<std::string> RegistryDirectory::ParentOf(const std::string& unit) {
  pb::GetUnitRequest r;
  r.set_name(unit);
  ASSIGN_OR_RETURN(auto got, MalformedIsNotFound(registry_->GetUnit(r), unit));
  return got.parent();
}

absl::StatusOr<std::vector<std::string>> RegistryDirectory::Roots() {
  return RootUnits([this](const pb::ListUnitsRequest& r) { return registry_->ListUnits(r); });
}

absl::StatusOr<std::string> RegistryDirectory::SeatOf(const std::string& enterprise) {
  pb::GetEnterpriseRequest r;
  r.set_name(enterprise);
  ASSIGN_OR_RETURN(auto got, MalformedIsNotFound(registry_->GetEnterprise(r), enterprise));
  return got.seat_unit();
}

absl::StatusOr<std::string> RegistryDirectory::UnitOfBody(const std::string& body) {
  pb::GetBodyRequest r;
  r.set_name(body);
  ASSIGN_OR_RETURN(auto got, MalformedIsNotFound(registry_->GetBody(r), body));
  return got.unit();
}

absl::StatusOr<std::string> RegistryDirectory::AssignerOf(const std::string& target) {
  return absl::NotFoundError(target);
}

}  // namespace chitieu::registry

// What the authorization policy (libs/common/policy.h) asks the registry
// about its own data: parents, roots, seats and bodies' units.

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
#include "services/registry/registry.h"
#include "services/registry/registry_shared.h"
#include "services/registry/tax_code.h"

namespace chitieu::registry {

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

#pragma once

// The helpers every resource's rules in the registry share (units, bodies,
// enterprises, organizations, admissions, import): references that must exist, and the enterprise
// checks that create, update and import all apply. Internal to services/registry.

#include <functional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "chitieu/registry/v1/registry.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "libs/common/errors.h"
#include "services/registry/registry_store.h"

namespace chitieu::registry {

// The code of "enterprises/{code}", checked as a tax code: a name that no
// enterprise can have is malformed (INVALID_ARGUMENT), not merely absent.
absl::StatusOr<std::string> ParseEnterpriseName(const std::string& name, const std::string& field);

// The same for a list's parent, which may also be "enterprises/-" (every
// enterprise), returned as "-".
absl::StatusOr<std::string> ParseEnterpriseParent(const std::string& name);

// Resolves a unit reference that must exist: INVALID_ARGUMENT naming
// `field` if malformed, FAILED_PRECONDITION if there is no such unit.
absl::StatusOr<pb::Unit> ExistingUnit(RegistryTx& tx, const std::string& name,
                                      const std::string& field);

// The same for a supervising body.
absl::StatusOr<pb::Body> ExistingBody(RegistryTx& tx, const std::string& name,
                                      const std::string& field);
// The same for a body `name` already read (RegistryTx::ReadForAdding).
absl::StatusOr<pb::Body> ExistingBody(absl::StatusOr<pb::Body> read, const std::string& name,
                                      const std::string& field);

// A unit code is 1 to 10 decimal digits.
bool IsUnitCode(const std::string& code);

// Dissolved and bankrupt enterprises take no new status and no founding.
bool IsTerminal(type::v1::EnterpriseStatus status);

// Sets the output-only fields computed from the stored ones: `name` from
// the code and `status` from the history as of `today`.
void SetComputedFields(pb::Enterprise& enterprise, const std::string& today);

// The tail of every write of an enterprise, after StampCreated or
// StampUpdated: sets its computed fields, puts it and appends its feed
// entry of `type`.
absl::Status SaveEnterprise(RegistryTx& tx, const std::string& code, const std::string& today,
                            type::v1::ChangeType type, pb::Enterprise& enterprise);

// Adds a violation, under `prefix`, for each bad descriptive field of an
// enterprise (create, import, update).
void CheckEnterpriseFields(FieldViolations& v, const pb::Enterprise& e, const std::string& prefix,
                           const std::string& today);

}  // namespace chitieu::registry

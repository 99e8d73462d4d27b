#pragma once

// Authorization, decided the same way at the gateway and again in each
// service (defence in depth): what each method needs (an access class
// that the caller's role must allow) and whose data it touches (every
// resource a request names must lie in the caller's scope, judged by the
// resource's own unit: an enterprise by its seat, a body by the unit it is
// attached to, a target by its assigner when written). A reference to an
// enterprise or body that cannot be found is refused like one out of
// scope, so a caller learns nothing about other districts' data.

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/message.h"

namespace chitieu {

// Roles: city_admin, district_officer, viewer, auditor, system.
enum class Role { kCityAdmin, kDistrictOfficer, kViewer, kAuditor, kSystem };

absl::StatusOr<Role> ParseRole(const std::string& text);
std::string RoleName(Role role);

// Who is calling: a name, a role and a scope. A scope unit covers itself
// and every unit beneath it.
struct Principal {
  std::string name;
  Role role = Role::kViewer;
  // Unit names ("units/002").
  std::set<std::string> scope;
};

enum class Access {
  kRead,        // Get, List, reports.
  kWrite,       // Creates, updates and actions on data.
  kAdminWrite,  // The unit tree and founding thresholds: city_admin only.
  kFeed,        // StreamChanges: system and city_admin.
  kAudit,       // The audit log: auditor and city_admin.
};

// The access class of a full method name ("/pkg.Service/Method");
// NOT_FOUND for a method the gateway does not serve.
absl::StatusOr<Access> AccessOf(const std::string& method);

bool RoleAllows(Role role, Access access);

// What the policy needs to know about resources; over the registry and
// quota in production, a fake in tests.
class ResourceDirectory {
 public:
  virtual ~ResourceDirectory() = default;
  // The parent of a unit ("" for a root); NOT_FOUND if unknown.
  virtual absl::StatusOr<std::string> ParentOf(const std::string& unit) = 0;
  // The seat unit of "enterprises/{code}"; NOT_FOUND if unknown.
  virtual absl::StatusOr<std::string> SeatOf(const std::string& enterprise) = 0;
  // The unit "bodies/{id}" is attached to; NOT_FOUND if unknown.
  virtual absl::StatusOr<std::string> UnitOfBody(const std::string& body) = 0;
  // The assigner of "units/{u}/targets/{t}"; NOT_FOUND if unknown.
  virtual absl::StatusOr<std::string> AssignerOf(const std::string& target) = 0;
};

class Policy {
 public:
  explicit Policy(ResourceDirectory* directory) : directory_(directory) {}

  // OK if `principal` may call `method` with `request`; PERMISSION_DENIED
  // otherwise; UNAVAILABLE if a backend needed to decide cannot answer.
  absl::Status Authorize(const Principal& principal, const std::string& method,
                         const google::protobuf::Message& request);

  // True if `unit` is one of `scope` or beneath one of them.
  absl::StatusOr<bool> Covers(const std::set<std::string>& scope, const std::string& unit);

 private:
  // The parent of a unit ("" for a root), remembered: units never move.
  absl::StatusOr<std::string> ParentOf(const std::string& unit);
  // True if one of the principal's scope units is a root (a province).
  absl::StatusOr<bool> HasRootScope(const Principal& principal);
  // The unit a reference belongs to, or NOT_FOUND. `written_target`: a
  // target name that the call writes belongs to its assigner.
  absl::StatusOr<std::string> UnitOf(const std::string& reference, bool written_target);

  ResourceDirectory* directory_;
  absl::Mutex mu_;
  std::map<std::string, std::string> parents_ ABSL_GUARDED_BY(mu_);
};

}  // namespace chitieu

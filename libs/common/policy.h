#pragma once

// Authorization, decided the same way at the gateway and again in each
// service (defence in depth), from what each method declares in proto/
// (chitieu/type/v1/authorization.proto): its access class, which the
// caller's role must allow, and the request fields that name what it reads
// or changes, each judged against the resource as stored (an enterprise by
// its current seat, a body by its unit, a target by its unit or, to change
// it, its assigner) and against what it becomes (a new seat, a new unit).
// Nothing is inferred from method names or from the shape of strings.
//
// A scope unit covers its own subtree only, roots included. Whatever a
// caller may not see answers exactly as if it did not exist: a resource
// out of scope and one that does not exist both get PERMISSION_DENIED
// "<field> is not in your scope", the same text for both (only a caller
// whose scope covers every province learns NOT_FOUND, from the service).
// docs/SECURITY.md has the whole model.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "chitieu/type/v1/authorization.pb.h"
#include "google/protobuf/descriptor.h"
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

using Access = ::chitieu::type::v1::Access;

// The declaration of a full method name ("/pkg.Service/Method"); NOT_FOUND
// for a method that does not exist or declares nothing.
absl::StatusOr<const ::chitieu::type::v1::Authorization*> DeclarationOf(const std::string& method);

// The access class a method declares; NOT_FOUND as DeclarationOf.
absl::StatusOr<Access> AccessOf(const std::string& method);

// True for the access classes that change data (the audit log records
// those calls).
bool IsMutation(Access access);

bool RoleAllows(Role role, Access access);

// OK if every method of `service` declares its authorization correctly
// (an access class; paths that name string fields of the request; known
// resource types); otherwise FAILED_PRECONDITION saying what to add.
absl::Status CheckDeclarations(const google::protobuf::ServiceDescriptor* service);

// The parent of a unit ("" for a root); NOT_FOUND if unknown.
using ParentFn = std::function<absl::StatusOr<std::string>(const std::string& unit)>;

// True if `unit` is one of `scope` or beneath one of them, walking parents
// with `parent_of` (NOT_FOUND for an unknown unit: not covered).
absl::StatusOr<bool> CoversUnit(const std::set<std::string>& scope, const std::string& unit,
                                const ParentFn& parent_of);

// A service's own answer about `name`, as a directory gives it: a name the
// service refuses as malformed (INVALID_ARGUMENT) names nothing, so it is
// NOT_FOUND of `name` with nothing of why (RemoteDirectory does the same
// for peers with PeerStatusOptions::hide_invalid_argument).
template <typename T>
absl::StatusOr<T> MalformedIsNotFound(absl::StatusOr<T> got, const std::string& name) {
  if (absl::IsInvalidArgument(got.status())) {
    return absl::NotFoundError(name);
  }
  return got;
}

// What the policy needs to know about resources; over the registry and
// quota in production, a fake in tests.
class ResourceDirectory {
 public:
  virtual ~ResourceDirectory() = default;
  // The parent of a unit ("" for a root); NOT_FOUND if unknown.
  virtual absl::StatusOr<std::string> ParentOf(const std::string& unit) = 0;
  // Every unit with no parent (the provinces).
  virtual absl::StatusOr<std::vector<std::string>> Roots() = 0;
  // The seat unit of "enterprises/{code}"; NOT_FOUND if unknown.
  virtual absl::StatusOr<std::string> SeatOf(const std::string& enterprise) = 0;
  // The unit "bodies/{id}" is attached to; NOT_FOUND if unknown.
  virtual absl::StatusOr<std::string> UnitOfBody(const std::string& body) = 0;
  // The assigner of "units/{u}/targets/{t}"; NOT_FOUND if unknown.
  virtual absl::StatusOr<std::string> AssignerOf(const std::string& target) = 0;
};

// While one is alive on a thread, the look-ups made on that thread answer
// only from what the directory remembers: a directory that would have to
// ask a peer (RemoteDirectory) fails UNAVAILABLE instead and counts a miss.
// A relay thread that must never wait on the network decides this way
// first, and asks again on a thread that may wait only when it missed
// (services/gateway/proxy.cc). A miss inside an answer the policy gives
// anyway (an audit unit left out) is counted too: a miss discards the
// decision whatever it was.
class RememberedOnly {
 public:
  RememberedOnly();
  ~RememberedOnly();
  RememberedOnly(const RememberedOnly&) = delete;
  RememberedOnly& operator=(const RememberedOnly&) = delete;

  // Whether a look-up on this thread missed since this one was made.
  bool missed() const { return misses_ > 0; }

  // For directories: true while one is alive on this thread; then a
  // look-up that would wait returns Miss() instead.
  static bool Active();
  static absl::Status Miss();

 private:
  RememberedOnly* outer_;
  int misses_ = 0;
};

// What an allowed call touches, as its declaration resolved it.
struct Decision {
  // The resource names the declared fields held, in declaration order.
  std::vector<std::string> resources;
  // The units they were judged by, and every unit above those: the units
  // whose auditors may see the call.
  std::set<std::string> units;
};

class Policy {
 public:
  // With `whole_system_fast_path` (the gateway), a read by a caller whose
  // scope covers every province makes no look-up; the services re-check
  // every call over their own data and leave it off.
  explicit Policy(ResourceDirectory* directory, bool whole_system_fast_path = false)
      : directory_(directory), fast_path_(whole_system_fast_path) {}

  // OK if `principal` may call `method` with `request`; PERMISSION_DENIED
  // otherwise; INVALID_ARGUMENT naming the field for a malformed declared
  // field; UNAVAILABLE if a backend needed to decide cannot answer. Fills
  // `decision` (if given) with what it resolved, on a refusal too.
  absl::Status Authorize(const Principal& principal, const std::string& method,
                         const google::protobuf::Message& request, Decision* decision = nullptr);

  // True if `unit` is one of `scope` or beneath one of them.
  absl::StatusOr<bool> Covers(const std::set<std::string>& scope, const std::string& unit);

  // True if the principal's scope holds every root: the whole system.
  absl::StatusOr<bool> CoversWholeSystem(const Principal& principal);

  // `unit` and every unit above it.
  absl::StatusOr<std::vector<std::string>> UnitAndAncestors(const std::string& unit);

  // Whether the caller's scope relates to `unit` as `relation` asks.
  absl::StatusOr<bool> Relates(const Principal& principal, const std::string& unit,
                               ::chitieu::type::v1::Relation relation);

 private:
  // The parent of a unit ("" for a root), remembered: units never move.
  absl::StatusOr<std::string> ParentOf(const std::string& unit);
  // The unit `name` is judged by for `subject`; NOT_FOUND if it does not
  // exist.
  absl::StatusOr<std::string> UnitOf(const std::string& name, ::chitieu::type::v1::Subject subject);
  ResourceDirectory* directory_;
  const bool fast_path_;
  absl::Mutex mu_;
  std::map<std::string, std::string> parents_ ABSL_GUARDED_BY(mu_);
};

}  // namespace chitieu

#include "libs/common/policy.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/escaping.h"
#include "libs/common/errors.h"
#include "libs/common/filter.h"
#include "libs/common/names.h"

namespace chitieu {
namespace {

using google::protobuf::FieldDescriptor;

bool IsReference(const std::string& v) {
  return absl::StartsWith(v, "units/") || absl::StartsWith(v, "enterprises/") ||
         absl::StartsWith(v, "bodies/");
}

// Every string in `m` (recursively) that names a unit, enterprise or body,
// and the values of filter terms that do: (field path, value) pairs, the
// path as field violations name it ("enterprise.seat_unit", "targets[1].assignee").
void CollectReferences(const google::protobuf::Message& m,
                       std::vector<std::pair<std::string, std::string>>* out,
                       bool* has_filter_terms, const std::string& prefix = "") {
  const auto* reflection = m.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(m, &fields);
  for (const FieldDescriptor* f : fields) {
    if (f->type() == FieldDescriptor::TYPE_MESSAGE) {
      if (f->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(m, f); ++i) {
          CollectReferences(reflection->GetRepeatedMessage(m, f, i), out, has_filter_terms,
                            absl::StrCat(prefix, f->name(), "[", i, "]."));
        }
      } else {
        CollectReferences(reflection->GetMessage(m, f), out, has_filter_terms,
                          absl::StrCat(prefix, f->name(), "."));
      }
      continue;
    }
    if (f->type() != FieldDescriptor::TYPE_STRING) continue;
    auto consider = [&](const std::string& v) {
      if (f->name() == "filter") {
        auto terms = ParseFilter(v);
        if (!terms.ok()) return;  // The service will refuse it.
        for (const auto& t : *terms) {
          if (IsReference(t.value)) {
            out->emplace_back(prefix + "filter", t.value);
            *has_filter_terms = true;
          }
        }
      } else if (IsReference(v)) {
        out->emplace_back(prefix + f->name(), v);
      }
    };
    if (f->is_repeated()) {
      for (int i = 0; i < reflection->FieldSize(m, f); ++i) {
        consider(reflection->GetRepeatedString(m, f, i));
      }
    } else {
      consider(reflection->GetString(m, f));
    }
  }
}

// "units/{id}[/targets/{id}|/plans/{id}]", "enterprises/{id}[/organizations/
// {id}|/admissions/{id}]", "bodies/{id}": ids of 1 to 63 of [A-Za-z0-9-].
bool WellFormed(const std::string& name) {
  static const char* kPatterns[] = {
      "units/{unit}", "units/{unit}/targets/{target}", "units/{unit}/plans/{plan}",
      "units/{unit}/targets/{target}/allocation", "enterprises/{enterprise}",
      "enterprises/{enterprise}/organizations/{organization}",
      "enterprises/{enterprise}/admissions/{admission}", "bodies/{body}"};
  for (const char* pattern : kPatterns) {
    if (ParseName(pattern, name, "name").ok()) return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<Role> ParseRole(const std::string& text) {
  if (text == "city_admin") return Role::kCityAdmin;
  if (text == "district_officer") return Role::kDistrictOfficer;
  if (text == "viewer") return Role::kViewer;
  if (text == "auditor") return Role::kAuditor;
  if (text == "system") return Role::kSystem;
  return absl::InvalidArgumentError(absl::StrCat("unknown role ", text));
}

std::string RoleName(Role role) {
  switch (role) {
    case Role::kCityAdmin:
      return "city_admin";
    case Role::kDistrictOfficer:
      return "district_officer";
    case Role::kViewer:
      return "viewer";
    case Role::kAuditor:
      return "auditor";
    case Role::kSystem:
      return "system";
  }
  return "";
}

absl::StatusOr<Access> AccessOf(const std::string& method) {
  std::vector<std::string> parts = absl::StrSplit(method, '/');
  if (parts.size() != 3 || !parts[0].empty()) return absl::NotFoundError("unknown method");
  const std::string& service = parts[1];
  const std::string& name = parts[2];
  if (service != "chitieu.registry.v1.RegistryService" &&
      service != "chitieu.quota.v1.QuotaService" &&
      service != "chitieu.reporting.v1.ReportingService" &&
      service != "chitieu.gateway.v1.GatewayService") {
    return absl::NotFoundError(absl::StrCat("the gateway does not serve ", service));
  }
  if (name == "StreamChanges") return Access::kFeed;
  if (name == "ListAuditEntries") return Access::kAudit;
  if (name == "CreateUnit" || name == "UpdateUnit" || name == "UpdateFoundingThresholds") {
    return Access::kAdminWrite;
  }
  for (const char* read : {"Get", "List", "Compare", "Rank", "Export"}) {
    if (absl::StartsWith(name, read)) return Access::kRead;
  }
  return Access::kWrite;
}

bool RoleAllows(Role role, Access access) {
  switch (role) {
    case Role::kCityAdmin:
      return true;
    case Role::kDistrictOfficer:
      return access == Access::kRead || access == Access::kWrite;
    case Role::kViewer:
      return access == Access::kRead;
    case Role::kAuditor:
      return access == Access::kRead || access == Access::kAudit;
    case Role::kSystem:
      return access == Access::kRead || access == Access::kWrite || access == Access::kFeed;
  }
  return false;
}

absl::StatusOr<std::string> Policy::ParentOf(const std::string& unit) {
  {
    absl::MutexLock lock(&mu_);
    auto it = parents_.find(unit);
    if (it != parents_.end()) return it->second;
  }
  auto parent = directory_->ParentOf(unit);
  if (!parent.ok()) return parent.status();
  absl::MutexLock lock(&mu_);
  parents_[unit] = *parent;
  return parent;
}

absl::StatusOr<bool> Policy::Covers(const std::set<std::string>& scope, const std::string& unit) {
  std::string current = unit;
  for (int depth = 0; depth < 16 && !current.empty(); ++depth) {
    if (scope.count(current)) return true;
    auto parent = ParentOf(current);
    if (absl::IsNotFound(parent.status())) return false;
    if (!parent.ok()) return parent.status();
    current = *parent;
  }
  return false;
}

absl::StatusOr<bool> Policy::HasRootScope(const Principal& principal) {
  for (const auto& unit : principal.scope) {
    auto parent = ParentOf(unit);
    if (parent.ok() && parent->empty()) return true;
    if (!parent.ok() && !absl::IsNotFound(parent.status())) return parent.status();
  }
  return false;
}

absl::StatusOr<std::string> Policy::UnitOf(const std::string& reference, bool written_target) {
  std::vector<std::string> parts = absl::StrSplit(reference, '/');
  if (parts.size() < 2) return absl::NotFoundError(reference);
  const std::string head = absl::StrCat(parts[0], "/", parts[1]);
  if (parts[0] == "units") {
    // A written target belongs to whoever assigned it.
    if (written_target && parts.size() >= 4 && parts[2] == "targets") {
      return directory_->AssignerOf(absl::StrCat(head, "/targets/", parts[3]));
    }
    return head;
  }
  if (parts[0] == "enterprises") {
    if (parts[1] == "-") return absl::NotFoundError("enterprises/- names no enterprise");
    return directory_->SeatOf(head);
  }
  return directory_->UnitOfBody(head);
}

absl::Status Policy::Authorize(const Principal& principal, const std::string& method,
                               const google::protobuf::Message& request) {
  auto access = AccessOf(method);
  if (!access.ok()) return absl::PermissionDeniedError(access.status().message());
  if (!RoleAllows(principal.role, *access)) {
    return absl::PermissionDeniedError(
        absl::StrCat("role ", RoleName(principal.role), " may not call ", method));
  }
  // The unit tree is public reference data; the audit log and the feeds are
  // not about one unit (their roles are checked above); so are thresholds.
  if (absl::EndsWith(method, "/GetUnit") || absl::EndsWith(method, "/ListUnits") ||
      *access == Access::kAudit || *access == Access::kFeed ||
      absl::EndsWith(method, "/GetFoundingThresholds") ||
      absl::EndsWith(method, "/UpdateFoundingThresholds")) {
    if (*access == Access::kFeed || *access == Access::kAdminWrite) {
      auto root = HasRootScope(principal);
      if (!root.ok()) return root.status();
      if (!*root) return absl::PermissionDeniedError("this call needs a province-wide scope");
    }
    return absl::OkStatus();
  }
  std::vector<std::pair<std::string, std::string>> references;
  bool has_filter_terms = false;
  CollectReferences(request, &references, &has_filter_terms);
  // A province-wide scope covers every unit there is: its references need
  // only be well-formed, and no lookup is made (units' parents are
  // remembered, so this costs no call after the first).
  auto root = HasRootScope(principal);
  if (!root.ok()) return root.status();
  const bool write = *access != Access::kRead;
  const bool is_list = absl::StrContains(method, "/List");
  bool scoped_reference = false;
  for (const auto& [field, ref] : references) {
    // A target being written (named by `name`) belongs to its assigner;
    // other references to targets (parent_target) only to their unit.
    if (ref == "enterprises/-") continue;  // A wildcard parent: the filter must scope it.
    // A malformed name reveals nothing: say so, whoever asks.
    if (!WellFormed(ref)) {
      return InvalidField(field, absl::StrCat("\"", absl::CHexEscape(ref.substr(0, 200)),
                                              "\" is not a resource name"));
    }
    if (*root) {
      // Whether it exists is for the service to say.
      scoped_reference = true;
      continue;
    }
    auto unit = UnitOf(ref, write && (field == "name" || absl::EndsWith(field, ".name")));
    if (absl::IsNotFound(unit.status())) {
      // Only a caller whose scope is the whole province learns from the
      // service that it does not exist; anyone else may not know that much.
      return absl::PermissionDeniedError(absl::StrCat(ref, " is not in your scope"));
    }
    if (!unit.ok()) return unit.status();
    auto covered = Covers(principal.scope, *unit);
    if (!covered.ok()) return covered.status();
    if (!*covered) return absl::PermissionDeniedError(absl::StrCat(ref, " is not in your scope"));
    scoped_reference = true;
  }
  if (!scoped_reference && is_list && !*root) {
    return absl::PermissionDeniedError(
        "a list through the gateway needs a unit in your scope: a parent or a unit filter");
  }
  // Any other call that names nothing goes on: the service refuses it as
  // malformed (every write needs a unit, enterprise or body to act on).
  return absl::OkStatus();
}

}  // namespace chitieu

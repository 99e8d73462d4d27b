// The declared authorization policy: a method's declaration judged against the
// caller's scope (policy.h).

#include "libs/common/policy.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "libs/common/errors.h"
#include "libs/common/filter.h"
#include "libs/common/names.h"
#include "libs/common/status_macros.h"

namespace chitieu {
namespace {

namespace tv1 = ::chitieu::type::v1;
using google::protobuf::FieldDescriptor;

// The resource types declarations may name, with their name patterns (the
// google.api.resource patterns of proto/; TargetAllocation is a singleton
// beneath a target).
struct ResourceType {
  const char* type;
  const char* pattern;
};
constexpr ResourceType kResourceTypes[] = {
    {"chitieu.gov.vn/Unit", "units/{unit}"},
    {"chitieu.gov.vn/Body", "bodies/{body}"},
    {"chitieu.gov.vn/Enterprise", "enterprises/{enterprise}"},
    {"chitieu.gov.vn/Organization", "enterprises/{enterprise}/organizations/{organization}"},
    {"chitieu.gov.vn/Admission", "enterprises/{enterprise}/admissions/{admission}"},
    {"chitieu.gov.vn/Target", "units/{unit}/targets/{target}"},
    {"chitieu.gov.vn/TargetAllocation", "units/{unit}/targets/{target}/allocation"},
    {"chitieu.gov.vn/Plan", "units/{unit}/plans/{plan}"},
    {"chitieu.gov.vn/Report", "units/{unit}/reports/{report}"},
};

const ResourceType* FindType(const std::string& type) {
  for (const auto& t : kResourceTypes) {
    if (type == t.type) {
      return &t;
    }
  }
  return nullptr;
}

// "units/{unit}" → "units/": the prefix an id completes (single-id types).
std::string IdPrefix(const ResourceType& t) {
  std::string pattern = t.pattern;
  auto brace = pattern.find('{');
  if (brace == std::string::npos || pattern.find('/', brace) != std::string::npos) {
    return "";
  }
  return pattern.substr(0, brace);
}

// True if `name` matches one of the field's declared types.
bool WellFormed(const std::string& name, const tv1::ResourceField& field) {
  for (const auto& type : field.types()) {
    const ResourceType* t = FindType(type);
    if (t != nullptr && ParseName(t->pattern, name, "").ok()) {
      return true;
    }
  }
  return false;
}

// A value of a declared field, with where it was found.
struct Value {
  // As field violations name it: "enterprise.seat_unit", "targets[1].assignee".
  std::string path;
  std::string value;
  // Inside an element of a repeated message (an import row, a target row):
  // a malformed or empty value there is the service's to refuse per row.
  bool in_row = false;
};

absl::Status Collect(const google::protobuf::Message& m, const std::vector<std::string>& segments,
                     size_t i, const std::string& prefix, bool in_row,
                     const tv1::ResourceField& field, std::vector<Value>* out);

// The string values of `f` in `m` (the last segment of a path).
absl::Status CollectStrings(const google::protobuf::Message& m, const FieldDescriptor* f,
                            const std::string& path, bool in_row, const tv1::ResourceField& field,
                            std::vector<Value>* out) {
  const auto* reflection = m.GetReflection();
  std::vector<std::pair<std::string, std::string>> raw;
  if (f->is_repeated()) {
    for (int k = 0; k < reflection->FieldSize(m, f); ++k) {
      raw.emplace_back(absl::StrCat(path, "[", k, "]"), reflection->GetRepeatedString(m, f, k));
    }
  } else {
    raw.emplace_back(path, reflection->GetString(m, f));
  }
  for (auto& [p, v] : raw) {
    if (v.empty()) {
      continue;
    }
    if (field.filter_terms_size() == 0) {
      out->push_back({p, std::move(v), in_row});
      continue;
    }
    ASSIGN_OR_RETURN(auto terms, ParseFilter(v, p));
    for (const auto& t : terms) {
      // Only `term = value` bounds a list; `!=` narrows nothing.
      if (t.op != "=") {
        continue;
      }
      for (const auto& name : field.filter_terms()) {
        if (t.field == name) {
          out->push_back({p, t.value, in_row});
        }
      }
    }
  }
  return absl::OkStatus();
}

absl::Status Collect(const google::protobuf::Message& m, const std::vector<std::string>& segments,
                     size_t i, const std::string& prefix, bool in_row,
                     const tv1::ResourceField& field, std::vector<Value>* out) {
  const FieldDescriptor* f = m.GetDescriptor()->FindFieldByName(segments[i]);
  if (f == nullptr) {
    return absl::InternalError(absl::StrCat("no field ", field.path()));
  }
  const std::string path = prefix + segments[i];
  if (i + 1 == segments.size()) {
    if (f->type() != FieldDescriptor::TYPE_STRING) {
      return absl::InternalError(absl::StrCat(field.path(), " is not a string field"));
    }
    return CollectStrings(m, f, path, in_row, field, out);
  }
  if (f->type() != FieldDescriptor::TYPE_MESSAGE) {
    return absl::InternalError(absl::StrCat(field.path(), " goes through a non-message field"));
  }
  const auto* reflection = m.GetReflection();
  if (f->is_repeated()) {
    for (int k = 0; k < reflection->FieldSize(m, f); ++k) {
      RETURN_IF_ERROR(Collect(reflection->GetRepeatedMessage(m, f, k), segments, i + 1,
                              absl::StrCat(path, "[", k, "]."), true, field, out));
    }
    return absl::OkStatus();
  }
  if (!reflection->HasField(m, f)) {
    return absl::OkStatus();
  }
  return Collect(reflection->GetMessage(m, f), segments, i + 1, path + ".", in_row, field, out);
}

absl::Status NotInScope(const std::string& path) {
  return absl::PermissionDeniedError(absl::StrCat(path, " is not in your scope"));
}

absl::Status NeedsWholeSystem() {
  return absl::PermissionDeniedError("this call needs a scope over every province");
}

// "/pkg.Service/Method" → "pkg.Service.Method".
std::string DottedMethod(const std::string& method) {
  if (method.size() < 2 || method[0] != '/') {
    return "";
  }
  return absl::StrReplaceAll(method.substr(1), {{"/", "."}});
}

std::string Example(const google::protobuf::MethodDescriptor* m) {
  return absl::StrCat(
      "add to rpc ", m->name(), " in ", m->file()->name(),
      ": option (chitieu.type.v1.authorization) = { access: ACCESS_READ|ACCESS_WRITE|… "
      "resources { path: \"<request field naming a resource>\" types: \"chitieu.gov.vn/…\" "
      "subject: SUBJECT_STORED } }; see docs/SECURITY.md");
}

}  // namespace

absl::StatusOr<Role> ParseRole(const std::string& text) {
  if (text == "city_admin") {
    return Role::kCityAdmin;
  }
  if (text == "district_officer") {
    return Role::kDistrictOfficer;
  }
  if (text == "viewer") {
    return Role::kViewer;
  }
  if (text == "auditor") {
    return Role::kAuditor;
  }
  if (text == "system") {
    return Role::kSystem;
  }
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

absl::StatusOr<const tv1::Authorization*> DeclarationOf(const std::string& method) {
  const auto* m =
      google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(DottedMethod(method));
  if (m == nullptr || !m->options().HasExtension(tv1::authorization)) {
    return absl::NotFoundError(absl::StrCat("the gateway does not serve ", method));
  }
  const tv1::Authorization& decl = m->options().GetExtension(tv1::authorization);
  if (decl.access() == tv1::ACCESS_UNSPECIFIED) {
    return absl::NotFoundError(absl::StrCat("the gateway does not serve ", method));
  }
  return &decl;
}

absl::StatusOr<Access> AccessOf(const std::string& method) {
  ASSIGN_OR_RETURN(auto decl, DeclarationOf(method));
  return decl->access();
}

bool IsMutation(Access access) {
  return access == tv1::ACCESS_WRITE || access == tv1::ACCESS_ADMIN;
}

bool RoleAllows(Role role, Access access) {
  switch (role) {
    case Role::kCityAdmin:
      return access != tv1::ACCESS_UNSPECIFIED;
    case Role::kDistrictOfficer:
      return access == tv1::ACCESS_READ || access == tv1::ACCESS_WRITE;
    case Role::kViewer:
      return access == tv1::ACCESS_READ;
    case Role::kAuditor:
      return access == tv1::ACCESS_READ || access == tv1::ACCESS_AUDIT;
    case Role::kSystem:
      return access == tv1::ACCESS_READ || access == tv1::ACCESS_WRITE ||
             access == tv1::ACCESS_FEED;
  }
  return false;
}

absl::Status CheckDeclarations(const google::protobuf::ServiceDescriptor* service) {
  for (int i = 0; i < service->method_count(); ++i) {
    const auto* m = service->method(i);
    const std::string full = m->full_name();
    if (!m->options().HasExtension(tv1::authorization)) {
      return absl::FailedPreconditionError(
          absl::StrCat(full, " declares no authorization: ", Example(m)));
    }
    const auto& decl = m->options().GetExtension(tv1::authorization);
    if (decl.access() == tv1::ACCESS_UNSPECIFIED) {
      return absl::FailedPreconditionError(
          absl::StrCat(full, " declares no access class: ", Example(m)));
    }
    for (const auto& field : decl.resources()) {
      if (field.types_size() == 0) {
        return absl::FailedPreconditionError(
            absl::StrCat(full, ": resource ", field.path(), " names no types"));
      }
      for (const auto& type : field.types()) {
        const ResourceType* t = FindType(type);
        if (t == nullptr) {
          return absl::FailedPreconditionError(
              absl::StrCat(full, ": resource ", field.path(), " has an unknown type ", type));
        }
        if (field.id() && IdPrefix(*t).empty()) {
          return absl::FailedPreconditionError(
              absl::StrCat(full, ": ", type, " cannot be named by an id alone"));
        }
      }
      if (field.subject() == tv1::SUBJECT_UNSPECIFIED) {
        return absl::FailedPreconditionError(
            absl::StrCat(full, ": resource ", field.path(), " declares no subject"));
      }
      // The path must lead through messages to a string field.
      const google::protobuf::Descriptor* d = m->input_type();
      std::vector<std::string> segments = absl::StrSplit(field.path(), '.');
      for (size_t k = 0; k < segments.size(); ++k) {
        const FieldDescriptor* f = d == nullptr ? nullptr : d->FindFieldByName(segments[k]);
        if (f == nullptr) {
          return absl::FailedPreconditionError(absl::StrCat(full, ": resource path ", field.path(),
                                                            " is not a field of ",
                                                            m->input_type()->full_name()));
        }
        const bool last = k + 1 == segments.size();
        if (last != (f->type() != FieldDescriptor::TYPE_MESSAGE) ||
            (last && f->type() != FieldDescriptor::TYPE_STRING)) {
          return absl::FailedPreconditionError(
              absl::StrCat(full, ": resource path ", field.path(), " must end in a string field"));
        }
        d = last ? nullptr : f->message_type();
      }
    }
  }
  return absl::OkStatus();
}

namespace {
thread_local RememberedOnly* remembered_only = nullptr;
}  // namespace

RememberedOnly::RememberedOnly() : outer_(remembered_only) { remembered_only = this; }
RememberedOnly::~RememberedOnly() { remembered_only = outer_; }
bool RememberedOnly::Active() { return remembered_only != nullptr; }
absl::Status RememberedOnly::Miss() {
  if (remembered_only != nullptr) {
    ++remembered_only->misses_;
  }
  return absl::UnavailableError("not remembered; ask again where a look-up may wait");
}

absl::StatusOr<bool> CoversUnit(const std::set<std::string>& scope, const std::string& unit,
                                const ParentFn& parent_of) {
  std::string current = unit;
  for (int depth = 0; depth < 16 && !current.empty(); ++depth) {
    if (scope.count(current)) {
      return true;
    }
    auto parent = parent_of(current);
    if (absl::IsNotFound(parent.status())) {
      return false;
    }
    if (!parent.ok()) {
      return parent.status();
    }
    current = *parent;
  }
  return false;
}

absl::StatusOr<std::string> Policy::ParentOf(const std::string& unit) {
  {
    absl::MutexLock lock(&mu_);
    auto it = parents_.find(unit);
    if (it != parents_.end()) {
      return it->second;
    }
  }
  ASSIGN_OR_RETURN(auto parent, directory_->ParentOf(unit));
  absl::MutexLock lock(&mu_);
  parents_[unit] = parent;
  return parent;
}

absl::StatusOr<bool> Policy::Covers(const std::set<std::string>& scope, const std::string& unit) {
  return CoversUnit(scope, unit, [this](const std::string& u) { return ParentOf(u); });
}

absl::StatusOr<bool> Policy::CoversWholeSystem(const Principal& principal) {
  ASSIGN_OR_RETURN(auto roots, directory_->Roots());
  for (const auto& root : roots) {
    if (!principal.scope.count(root)) {
      return false;
    }
  }
  return true;
}

absl::StatusOr<std::vector<std::string>> Policy::UnitAndAncestors(const std::string& unit) {
  std::vector<std::string> out;
  std::string current = unit;
  for (int depth = 0; depth < 16 && !current.empty(); ++depth) {
    out.push_back(current);
    auto parent = ParentOf(current);
    if (absl::IsNotFound(parent.status())) {
      break;
    }
    if (!parent.ok()) {
      return parent.status();
    }
    current = *parent;
  }
  return out;
}

absl::StatusOr<std::string> Policy::UnitOf(const std::string& name, tv1::Subject subject) {
  std::vector<std::string> parts = absl::StrSplit(name, '/');
  const std::string head = absl::StrCat(parts[0], "/", parts[1]);
  if (parts[0] == "units") {
    if (subject == tv1::SUBJECT_ASSIGNER && parts.size() >= 4 && parts[2] == "targets") {
      return directory_->AssignerOf(absl::StrCat(head, "/targets/", parts[3]));
    }
    // A unit must exist; so must the unit a target or plan lives under.
    RETURN_IF_ERROR(ParentOf(head));
    return head;
  }
  if (parts[0] == "enterprises") {
    return directory_->SeatOf(head);
  }
  return directory_->UnitOfBody(head);
}

absl::StatusOr<bool> Policy::Relates(const Principal& principal, const std::string& unit,
                                     tv1::Relation relation) {
  switch (relation) {
    case tv1::RELATION_PARENT: {
      ASSIGN_OR_RETURN(auto parent, ParentOf(unit));
      if (parent.empty()) {
        return false;
      }
      return Covers(principal.scope, parent);
    }
    case tv1::RELATION_SUBTREE_OR_ABOVE: {
      auto covered = Covers(principal.scope, unit);
      if (!covered.ok() || *covered) {
        return covered;
      }
      // Above a scope unit: one of the scope units' ancestors.
      for (const auto& s : principal.scope) {
        ASSIGN_OR_RETURN(auto line, UnitAndAncestors(s));
        for (const auto& u : line) {
          if (u == unit) {
            return true;
          }
        }
      }
      return false;
    }
    default:
      return Covers(principal.scope, unit);
  }
}

absl::Status Policy::Authorize(const Principal& principal, const std::string& method,
                               const google::protobuf::Message& request, Decision* decision) {
  auto declared = DeclarationOf(method);
  if (!declared.ok()) {
    return absl::PermissionDeniedError(declared.status().message());
  }
  const tv1::Authorization& decl = **declared;
  if (!RoleAllows(principal.role, decl.access())) {
    return absl::PermissionDeniedError(
        absl::StrCat("role ", RoleName(principal.role), " may not call ", method));
  }
  // Whether the caller covers every province, asked once and only if needed.
  std::optional<bool> whole;
  auto covers_whole = [&]() -> absl::StatusOr<bool> {
    if (!whole) {
      ASSIGN_OR_RETURN(auto w, CoversWholeSystem(principal));
      whole = w;
    }
    return *whole;
  };
  auto require_whole = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(auto w, covers_whole());
    return w ? absl::OkStatus() : NeedsWholeSystem();
  };
  if (decl.whole_system()) {
    RETURN_IF_ERROR(require_whole());
  }

  // Every declared value, checked for shape before anything is looked up.
  struct Reference {
    std::string path;
    std::string name;
    const tv1::ResourceField* field;
  };
  std::vector<Reference> references;
  std::vector<std::string> resources;
  for (const auto& field : decl.resources()) {
    std::vector<Value> values;
    std::vector<std::string> segments = absl::StrSplit(field.path(), '.');
    RETURN_IF_ERROR(Collect(request, segments, 0, "", false, field, &values));
    if (values.empty()) {
      // A required field that is absent names nothing to check: the
      // service refuses the call (INVALID_ARGUMENT naming it beside every
      // other violation), which the authorization matrix checks for every
      // method.
      if (field.whole_system_when_absent()) {
        RETURN_IF_ERROR(require_whole());
      }
      continue;
    }
    for (auto& v : values) {
      // A wildcard parent ("enterprises/-"), where declared, names no
      // resource: the filter (or the whole-system rule for lists) bounds
      // the call.
      if (field.wildcard() && !field.id() && absl::EndsWith(v.value, "/-") &&
          std::count(v.value.begin(), v.value.end(), '/') == 1) {
        continue;
      }
      std::string name = v.value;
      if (field.id()) {
        name = IdPrefix(*FindType(field.types(0))) + v.value;
      }
      if (!WellFormed(name, field)) {
        if (v.in_row) {
          continue;  // The service refuses that row itself.
        }
        return InvalidField(v.path, absl::StrCat("\"", absl::CHexEscape(v.value.substr(0, 200)),
                                                 "\" is not a resource name"));
      }
      resources.push_back(name);
      // Checked by the service inside its transaction.
      if (field.subject() == tv1::SUBJECT_IN_TRANSACTION) {
        continue;
      }
      references.push_back({v.path, std::move(name), &field});
    }
  }
  if (decl.list() && references.empty()) {
    RETURN_IF_ERROR(require_whole());
  }
  // A caller covering every province may read anything there is: no
  // look-up is made (the service says NOT_FOUND for what is not there).
  // Mutations are always resolved: for the units the audit log records,
  // and for relations stricter than the scope (RELATION_PARENT).
  if (!references.empty() && !IsMutation(decl.access()) && fast_path_) {
    ASSIGN_OR_RETURN(auto w, covers_whole());
    if (w) {
      references.clear();
    }
  }
  std::set<std::string> units;
  // What was resolved, for the audit log, allowed or not: names that passed
  // the shape check and units read from stored data, nothing else.
  auto record = [&](absl::Status status) -> absl::Status {
    if (decision != nullptr) {
      decision->resources = resources;
      decision->units.clear();
      for (const auto& unit : units) {
        // A refusal keeps only the units the caller covers: where an
        // out-of-scope resource lies is not the caller's to learn, nor its
        // auditors' (they would see it in the entry).
        if (!status.ok()) {
          auto covered = Covers(principal.scope, unit);
          if (!covered.ok() || !*covered) {
            continue;
          }
        }
        auto line = UnitAndAncestors(unit);
        if (line.ok()) {
          decision->units.insert(line->begin(), line->end());
        }
      }
    }
    return status;
  };
  for (const auto& ref : references) {
    auto unit = UnitOf(ref.name, ref.field->subject());
    if (absl::IsNotFound(unit.status())) {
      if (ref.field->subject() == tv1::SUBJECT_STORED_IF_EXISTS) {
        continue;
      }
      // Only a caller whose scope is every province learns from the
      // service that it does not exist; anyone else is told what an
      // out-of-scope resource gets.
      ASSIGN_OR_RETURN(auto w, covers_whole());
      if (w) {
        continue;
      }
      return record(NotInScope(ref.path));
    }
    if (!unit.ok()) {
      return unit.status();
    }
    units.insert(*unit);
    ASSIGN_OR_RETURN(auto related, Relates(principal, *unit, ref.field->relation()));
    if (!related) {
      return record(NotInScope(ref.path));
    }
  }
  return record(absl::OkStatus());
}

}  // namespace chitieu

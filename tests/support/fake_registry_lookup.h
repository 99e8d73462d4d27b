#pragma once

// The one fake of quota's RegistryLookup (services/quota/registry_lookup.h),
// for every quota test.

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "services/quota/registry_lookup.h"

namespace chitieu::quota {

// A registry stand-in: units and bodies in maps; `down` makes every call
// UNAVAILABLE.
class FakeRegistryLookup : public RegistryLookup {
 public:
  void AddUnit(const std::string& code, const std::string& parent_code) {
    registry::v1::Unit u;
    u.set_name("units/" + code);
    if (!parent_code.empty()) {
      u.set_parent("units/" + parent_code);
    }
    units_[u.name()] = u;
  }
  void AddBody(const std::string& id, const std::string& unit_code) {
    registry::v1::Body b;
    b.set_name("bodies/" + id);
    b.set_unit("units/" + unit_code);
    bodies_[b.name()] = b;
  }
  absl::StatusOr<registry::v1::Unit> GetUnit(const std::string& name) override {
    ++calls;
    if (down) {
      return absl::UnavailableError("registry down");
    }
    auto it = units_.find(name);
    if (it == units_.end()) {
      return absl::NotFoundError(name);
    }
    return it->second;
  }
  absl::StatusOr<registry::v1::Body> GetBody(const std::string& name) override {
    ++calls;
    if (down) {
      return absl::UnavailableError("registry down");
    }
    auto it = bodies_.find(name);
    if (it == bodies_.end()) {
      return absl::NotFoundError(name);
    }
    return it->second;
  }
  bool down = false;
  int calls = 0;

 private:
  std::map<std::string, registry::v1::Unit> units_;
  std::map<std::string, registry::v1::Body> bodies_;
};

}  // namespace chitieu::quota

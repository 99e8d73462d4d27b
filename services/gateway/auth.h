#pragma once

// Authentication at the gateway. Systems present an API key
// (`Authorization: Bearer <key>`); the gateway keeps only SHA-256 hashes of
// keys, in a file an admin edits, one principal a line:
//
//   # sha256-of-key(hex)  principal        role              scope (units, comma-separated)
//   6b86b27…              system:tax       system            units/01
//   d4735e3…              user:hk-officer  district_officer  units/002
//
// Roles: city_admin, district_officer, viewer, auditor, system. A scope
// unit covers itself and every unit beneath it.

#include <map>
#include <memory>
#include <set>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace chitieu::gateway {

enum class Role { kCityAdmin, kDistrictOfficer, kViewer, kAuditor, kSystem };

struct Principal {
  std::string name;
  Role role = Role::kViewer;
  // Unit names ("units/002").
  std::set<std::string> scope;
};

// Returns the hex SHA-256 of `text`.
std::string Sha256Hex(const std::string& text);

absl::StatusOr<Role> ParseRole(const std::string& text);
std::string RoleName(Role role);

class ApiKeys {
 public:
  // Parses the key file's text; INVALID_ARGUMENT naming the bad line.
  static absl::StatusOr<std::map<std::string, Principal>> Parse(const std::string& text);

  // Loads (or reloads) the file; on error the keys in force stay.
  absl::Status Load(const std::string& path);

  // The principal of an `authorization` metadata value; UNAUTHENTICATED if
  // it is missing, not a bearer token, or an unknown key. The message never
  // repeats the key.
  absl::StatusOr<Principal> Authenticate(const std::string& authorization) const;

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, Principal> by_hash_ ABSL_GUARDED_BY(mu_);
};

}  // namespace chitieu::gateway

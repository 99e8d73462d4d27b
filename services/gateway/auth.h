#pragma once

// Authentication at the gateway. People present a JWT (jwt.h); systems
// present an API key
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
#include "libs/common/policy.h"
#include "services/gateway/jwt.h"

namespace chitieu::gateway {

using ::chitieu::Principal;
using ::chitieu::Role;

// Returns the hex SHA-256 of `text`.
std::string Sha256Hex(const std::string& text);

class ApiKeys {
 public:
  // Parses the key file's text; INVALID_ARGUMENT naming the bad line.
  static absl::StatusOr<std::map<std::string, Principal>> Parse(const std::string& text);

  // Loads (or reloads) the file; on error the keys in force stay.
  absl::Status Load(const std::string& path);

  // The principal of an API key; UNAUTHENTICATED if unknown (the message
  // never repeats the key).
  absl::StatusOr<Principal> Authenticate(const std::string& key) const;

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, Principal> by_hash_ ABSL_GUARDED_BY(mu_);
};

// Both kinds of credential behind one `Authorization: Bearer …` header: a
// token with two dots is a JWT, anything else an API key. Both files are
// read at start-up and again by Reload (on SIGHUP); a file that does not
// parse leaves the credentials in force unchanged.
struct AuthConfig {
  std::string api_keys_file;
  // Empty: JWTs are not accepted.
  std::string jwks_file;
  JwtSettings jwt;
};

class Authenticator {
 public:
  explicit Authenticator(AuthConfig config) : config_(std::move(config)), jwt_(config_.jwt) {}

  // Loads both files; the first error.
  absl::Status Reload();

  // The principal of an `authorization` metadata value; UNAUTHENTICATED
  // saying why not (never repeating the credential).
  absl::StatusOr<Principal> Authenticate(const std::string& authorization) const;

  ApiKeys& api_keys() { return keys_; }

 private:
  const AuthConfig config_;
  ApiKeys keys_;
  JwtVerifier jwt_;
};

}  // namespace chitieu::gateway

#pragma once

// JSON Web Tokens for people signed in through the city's identity
// provider. Tokens are signed with RS256 or ES256 by a key the provider
// publishes in a JWKS document, which the admin saves to a file
// (--jwks_file) and the gateway reloads on SIGHUP. The signature is checked
// by libjwt (Debian's libjwt-dev) over a PEM that OpenSSL builds from the
// JWK; the claims are checked here:
//
//   header  alg = RS256 | ES256, kid = a key of the JWKS of that type
//   iss     = --jwt_issuer          aud (string or list) holds --jwt_audience
//   exp     in the future, nbf (if present) in the past, 60 s of leeway
//   iat     required, not in the future (beyond the leeway), and
//           exp - iat at most --jwt_max_lifetime (24 h by default)
//   sub     the person ("user:<sub>" is the principal's name)
//   chitieu_role   one of the roles (city_admin, district_officer, …)
//   chitieu_units  the scope: a list of unit names ("units/002")

#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/common/policy.h"

namespace chitieu::gateway {

struct JwtSettings {
  std::string issuer;
  std::string audience;
  absl::Duration leeway = absl::Seconds(60);
  // The longest a token may live (exp - iat).
  absl::Duration max_lifetime = absl::Hours(24);
};

class JwtVerifier {
 public:
  explicit JwtVerifier(JwtSettings settings) : settings_(std::move(settings)) {}

  // Parses a JWKS document into PEM public keys by kid; INVALID_ARGUMENT
  // naming the bad key. Keys of other types or uses are skipped.
  struct Key {
    std::string alg;  // "RS256" or "ES256".
    std::string pem;
  };
  static absl::StatusOr<std::map<std::string, Key>> ParseJwks(const std::string& json);

  // Loads (or reloads) the JWKS file; on error the keys in force stay.
  absl::Status Load(const std::string& path);

  // True once keys are loaded.
  bool Enabled() const;

  // The principal of a compact JWS; UNAUTHENTICATED saying why not.
  absl::StatusOr<Principal> Verify(const std::string& token, absl::Time now) const;

 private:
  const JwtSettings settings_;
  mutable absl::Mutex mu_;
  std::map<std::string, Key> keys_ ABSL_GUARDED_BY(mu_);
};

// The identity provider's side, for tests and the demo token tool
// (chitieu-token): a new private key (RSA 2048 or P-256) as PEM, its public
// half as a JWK with `kid`, and a token signed with it (RS256 or ES256 by
// the key's type) carrying `claims_json`.
absl::StatusOr<std::string> NewSigningKeyPem(bool elliptic_curve);
absl::StatusOr<std::string> PublicJwk(const std::string& private_pem, const std::string& kid);
absl::StatusOr<std::string> SignJwt(const std::string& private_pem, const std::string& kid,
                                    const std::string& claims_json);

}  // namespace chitieu::gateway

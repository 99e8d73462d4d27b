// Verifying and, for tests and tools, signing JWTs (jwt.h).

#include "services/gateway/jwt.h"

#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/common/files.h"
#include "libs/common/names.h"
#include "libs/common/status_macros.h"

namespace chitieu::gateway {
namespace {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM, OSSL_PARAM_free>>;
void FreeBio(BIO* b) { BIO_free(b); }
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, FreeBio>>;
using JwtPtr = std::unique_ptr<jwt_t, Deleter<jwt_t, jwt_free>>;

absl::StatusOr<std::string> Base64UrlDecode(const std::string& text) {
  std::string out;
  if (!absl::WebSafeBase64Unescape(text, &out)) {
    return absl::InvalidArgumentError("not base64url");
  }
  return out;
}

std::string Base64UrlEncode(const std::string& bytes) { return absl::WebSafeBase64Escape(bytes); }

absl::StatusOr<std::string> PemOf(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key) != 1) {
    return absl::InternalError("cannot write the key as PEM");
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, size);
}

// Builds a public key from OpenSSL parameters ("RSA" or "EC").
absl::StatusOr<std::string> PemFromParams(const char* type, OSSL_PARAM_BLD* bld) {
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return absl::InvalidArgumentError("not a valid public key");
  }
  PkeyPtr key(raw);
  return PemOf(key.get());
}

// The string member `key` of a JSON object: `fallback` when absent, "" when
// present but not a string. (nlohmann's value() throws on a member of
// another type: a token whose header said {"alg": 5} must be refused, not
// take the gateway down.)
std::string Member(const nlohmann::json& object, const char* key, const char* fallback = "") {
  const auto it = object.find(key);
  if (it == object.end()) {
    return fallback;
  }
  return it->is_string() ? it->get<std::string>() : "";
}

absl::StatusOr<std::string> RsaPem(const nlohmann::json& jwk) {
  if (!jwk.contains("n") || !jwk.contains("e") || !jwk["n"].is_string() || !jwk["e"].is_string()) {
    return absl::InvalidArgumentError("an RSA key needs n and e");
  }
  auto n = Base64UrlDecode(jwk["n"].get<std::string>());
  auto e = Base64UrlDecode(jwk["e"].get<std::string>());
  if (!n.ok() || !e.ok()) {
    return absl::InvalidArgumentError("n and e must be base64url");
  }
  if (n->size() < 256) {
    return absl::InvalidArgumentError("RSA keys must have 2048 bits or more");
  }
  BignumPtr bn_n(BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()), n->size(), nullptr));
  BignumPtr bn_e(BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()), e->size(), nullptr));
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bn_n || !bn_e || !bld ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    return absl::InvalidArgumentError("not a valid RSA key");
  }
  return PemFromParams("RSA", bld.get());
}

absl::StatusOr<std::string> EcPem(const nlohmann::json& jwk) {
  if (Member(jwk, "crv") != "P-256") {
    return absl::InvalidArgumentError("ES256 needs crv P-256");
  }
  if (!jwk.contains("x") || !jwk.contains("y") || !jwk["x"].is_string() || !jwk["y"].is_string()) {
    return absl::InvalidArgumentError("an EC key needs x and y");
  }
  auto x = Base64UrlDecode(jwk["x"].get<std::string>());
  auto y = Base64UrlDecode(jwk["y"].get<std::string>());
  if (!x.ok() || !y.ok() || x->size() != 32 || y->size() != 32) {
    return absl::InvalidArgumentError("x and y must be 32 bytes of base64url");
  }
  const std::string point = absl::StrCat("\x04", *x, *y);  // Uncompressed point.
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) !=
          1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return absl::InvalidArgumentError("not a valid EC key");
  }
  return PemFromParams("EC", bld.get());
}

absl::Status Unauthenticated(absl::string_view why) {
  return absl::UnauthenticatedError(absl::StrCat("invalid token: ", why));
}

}  // namespace

absl::StatusOr<std::map<std::string, JwtVerifier::Key>> JwtVerifier::ParseJwks(
    const std::string& json) {
  nlohmann::json doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("keys") || !doc["keys"].is_array()) {
    return absl::InvalidArgumentError("a JWKS is a JSON object with a \"keys\" list");
  }
  std::map<std::string, Key> out;
  for (const auto& jwk : doc["keys"]) {
    if (!jwk.is_object()) {
      return absl::InvalidArgumentError("each key must be an object");
    }
    const std::string kid = Member(jwk, "kid");
    const std::string kty = Member(jwk, "kty");
    const std::string use = Member(jwk, "use", "sig");
    if (use != "sig" || (kty != "RSA" && kty != "EC")) {
      continue;
    }
    if (kid.empty()) {
      return absl::InvalidArgumentError("every key needs a kid");
    }
    Key key;
    key.alg = kty == "RSA" ? "RS256" : "ES256";
    if (jwk.contains("alg") && Member(jwk, "alg") != key.alg) {
      continue;  // Not one we accept.
    }
    auto pem = kty == "RSA" ? RsaPem(jwk) : EcPem(jwk);
    if (!pem.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("key ", kid, ": ", pem.status().message()));
    }
    key.pem = *std::move(pem);
    out[kid] = std::move(key);
  }
  return out;
}

absl::Status JwtVerifier::Load(const std::string& path) {
  ASSIGN_OR_RETURN(auto text, ReadTextFile(path));
  ASSIGN_OR_RETURN(auto parsed, ParseJwks(text));
  absl::MutexLock lock(&mu_);
  keys_ = std::move(parsed);
  return absl::OkStatus();
}

bool JwtVerifier::Enabled() const {
  absl::MutexLock lock(&mu_);
  return !keys_.empty();
}

absl::StatusOr<Principal> JwtVerifier::Verify(const std::string& token, absl::Time now) const {
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3) {
    return Unauthenticated("not a signed JWT");
  }
  auto header_text = Base64UrlDecode(parts[0]);
  auto payload_text = Base64UrlDecode(parts[1]);
  if (!header_text.ok() || !payload_text.ok()) {
    return Unauthenticated("not base64url");
  }
  nlohmann::json header = nlohmann::json::parse(*header_text, nullptr, false);
  if (!header.is_object()) {
    return Unauthenticated("the header is not JSON");
  }
  const std::string alg = Member(header, "alg");
  if (alg != "RS256" && alg != "ES256") {
    return Unauthenticated("alg must be RS256 or ES256");
  }
  const std::string kid = Member(header, "kid");
  Key key;
  {
    absl::MutexLock lock(&mu_);
    auto it = keys_.find(kid);
    if (it == keys_.end()) {
      return Unauthenticated("unknown signing key");
    }
    key = it->second;
  }
  // The key decides the algorithm, never the token alone.
  if (key.alg != alg) {
    return Unauthenticated("alg does not match the key");
  }
  jwt_t* raw = nullptr;
  const int rc =
      jwt_decode(&raw, token.c_str(), reinterpret_cast<const unsigned char*>(key.pem.data()),
                 static_cast<int>(key.pem.size()));
  JwtPtr decoded(raw);
  if (rc != 0 || !decoded) {
    return Unauthenticated("bad signature");
  }
  const jwt_alg_t want = alg == "RS256" ? JWT_ALG_RS256 : JWT_ALG_ES256;
  if (jwt_get_alg(decoded.get()) != want) {
    return Unauthenticated("alg does not match the key");
  }

  nlohmann::json claims = nlohmann::json::parse(*payload_text, nullptr, false);
  if (!claims.is_object()) {
    return Unauthenticated("the claims are not JSON");
  }
  const int64_t now_s = absl::ToUnixSeconds(now);
  const int64_t leeway = absl::ToInt64Seconds(settings_.leeway);
  if (!claims.contains("exp") || !claims["exp"].is_number()) {
    return Unauthenticated("no exp");
  }
  if (claims["exp"].get<double>() + leeway <= now_s) {
    return Unauthenticated("expired");
  }
  // A token must say when it was issued, not in the future, and live no
  // longer than the gateway allows: a stolen token with exp a century away
  // would otherwise be a permanent key.
  if (!claims.contains("iat") || !claims["iat"].is_number()) {
    return Unauthenticated("no iat");
  }
  const double iat = claims["iat"].get<double>();
  if (iat - leeway > now_s) {
    return Unauthenticated("issued in the future");
  }
  if (claims["exp"].get<double>() - iat > absl::ToDoubleSeconds(settings_.max_lifetime)) {
    return Unauthenticated("lives longer than the gateway allows (exp - iat)");
  }
  if (claims.contains("nbf")) {
    if (!claims["nbf"].is_number()) {
      return Unauthenticated("nbf is not a number");
    }
    if (claims["nbf"].get<double>() - leeway > now_s) {
      return Unauthenticated("not valid yet");
    }
  }
  if (Member(claims, "iss") != settings_.issuer) {
    return Unauthenticated("wrong issuer");
  }
  bool audience_ok = false;
  if (claims.contains("aud")) {
    const auto& aud = claims["aud"];
    if (aud.is_string()) {
      audience_ok = aud.get<std::string>() == settings_.audience;
    }
    if (aud.is_array()) {
      for (const auto& a : aud) {
        audience_ok |= a.is_string() && a.get<std::string>() == settings_.audience;
      }
    }
  }
  if (!audience_ok) {
    return Unauthenticated("wrong audience");
  }
  const std::string sub = Member(claims, "sub");
  if (sub.empty()) {
    return Unauthenticated("no sub");
  }

  Principal principal;
  principal.name = absl::StrCat("user:", sub);
  auto role = ParseRole(Member(claims, "chitieu_role"));
  if (!role.ok()) {
    return Unauthenticated("chitieu_role must name a role");
  }
  principal.role = *role;
  if (!claims.contains("chitieu_units") || !claims["chitieu_units"].is_array()) {
    return Unauthenticated("chitieu_units must list units");
  }
  for (const auto& unit : claims["chitieu_units"]) {
    if (!unit.is_string() || !ParseSingleName("units", unit.get<std::string>(), "scope").ok()) {
      return Unauthenticated("chitieu_units must list units/{code} names");
    }
    principal.scope.insert(unit.get<std::string>());
  }
  if (principal.scope.empty()) {
    return Unauthenticated("chitieu_units is empty");
  }
  return principal;
}

absl::StatusOr<std::string> NewSigningKeyPem(bool elliptic_curve) {
  PkeyPtr key(elliptic_curve ? EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")
                             : EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048}));
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!key || !bio ||
      PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return absl::InternalError("cannot generate a key");
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, size);
}

absl::StatusOr<std::string> SignJwt(const std::string& private_pem, const std::string& kid,
                                    const std::string& claims_json) {
  BioPtr bio(BIO_new_mem_buf(private_pem.data(), static_cast<int>(private_pem.size())));
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    return absl::InvalidArgumentError("not a PEM private key");
  }
  const jwt_alg_t alg = EVP_PKEY_is_a(key.get(), "EC") ? JWT_ALG_ES256 : JWT_ALG_RS256;
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) {
    return absl::InternalError("jwt_new");
  }
  JwtPtr token(raw);
  if (jwt_add_grants_json(token.get(), claims_json.c_str()) != 0 ||
      jwt_add_header(token.get(), "kid", kid.c_str()) != 0 ||
      jwt_set_alg(token.get(), alg, reinterpret_cast<const unsigned char*>(private_pem.data()),
                  static_cast<int>(private_pem.size())) != 0) {
    return absl::InvalidArgumentError("cannot build the token (claims must be a JSON object)");
  }
  char* encoded = jwt_encode_str(token.get());
  if (encoded == nullptr) {
    return absl::InternalError("cannot sign the token");
  }
  std::string out(encoded);
  std::free(encoded);  // libjwt 1.10 allocates with malloc.
  return out;
}

absl::StatusOr<std::string> PublicJwk(const std::string& private_pem, const std::string& kid) {
  BioPtr bio(BIO_new_mem_buf(private_pem.data(), static_cast<int>(private_pem.size())));
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    return absl::InvalidArgumentError("not a PEM private key");
  }
  auto bignum_bytes = [&](const char* name, int pad) -> std::string {
    BIGNUM* raw = nullptr;
    if (EVP_PKEY_get_bn_param(key.get(), name, &raw) != 1) {
      return "";
    }
    BignumPtr bn(raw);
    std::string out(pad > 0 ? pad : BN_num_bytes(bn.get()), '\0');
    if (pad > 0) {
      BN_bn2binpad(bn.get(), reinterpret_cast<unsigned char*>(out.data()), pad);
    } else {
      BN_bn2bin(bn.get(), reinterpret_cast<unsigned char*>(out.data()));
    }
    return out;
  };
  nlohmann::json jwk = {{"kid", kid}, {"use", "sig"}};
  if (EVP_PKEY_is_a(key.get(), "RSA")) {
    jwk["kty"] = "RSA";
    jwk["alg"] = "RS256";
    jwk["n"] = Base64UrlEncode(bignum_bytes(OSSL_PKEY_PARAM_RSA_N, 0));
    jwk["e"] = Base64UrlEncode(bignum_bytes(OSSL_PKEY_PARAM_RSA_E, 0));
  } else if (EVP_PKEY_is_a(key.get(), "EC")) {
    jwk["kty"] = "EC";
    jwk["alg"] = "ES256";
    jwk["crv"] = "P-256";
    jwk["x"] = Base64UrlEncode(bignum_bytes(OSSL_PKEY_PARAM_EC_PUB_X, 32));
    jwk["y"] = Base64UrlEncode(bignum_bytes(OSSL_PKEY_PARAM_EC_PUB_Y, 32));
  } else {
    return absl::InvalidArgumentError("only RSA and P-256 keys");
  }
  return jwk.dump();
}

}  // namespace chitieu::gateway

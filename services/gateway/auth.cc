// API keys and JWTs checked into a principal (auth.h).

#include "services/gateway/auth.h"

#include <openssl/evp.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "libs/common/files.h"
#include "libs/common/names.h"
#include "libs/common/status_macros.h"

namespace chitieu::gateway {

std::string Sha256Hex(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 15]);
  }
  return out;
}

absl::StatusOr<std::map<std::string, Principal>> ApiKeys::Parse(const std::string& text) {
  std::map<std::string, Principal> out;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') {
      continue;
    }
    std::vector<std::string> f = absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    auto bad = [&](absl::string_view why) {
      return absl::InvalidArgumentError(absl::StrCat("key file line ", line_number, ": ", why));
    };
    if (f.size() != 4) {
      return bad("want: sha256-hex principal role scope");
    }
    if (f[0].size() != 64 || f[0].find_first_not_of("0123456789abcdef") != std::string::npos) {
      return bad("the hash must be 64 lowercase hex digits");
    }
    Principal p;
    p.name = f[1];
    auto role = ParseRole(f[2]);
    if (!role.ok()) {
      return bad(role.status().message());
    }
    p.role = *role;
    for (absl::string_view unit : absl::StrSplit(f[3], ',', absl::SkipEmpty())) {
      if (!ParseSingleName("units", unit, "scope").ok()) {
        return bad("scope takes units/{code},…");
      }
      p.scope.insert(std::string(unit));
    }
    if (p.scope.empty()) {
      return bad("a scope is required");
    }
    out[f[0]] = std::move(p);
  }
  return out;
}

absl::Status ApiKeys::Load(const std::string& path) {
  ASSIGN_OR_RETURN(auto text, ReadTextFile(path));
  ASSIGN_OR_RETURN(auto parsed, Parse(text));
  absl::MutexLock lock(&mu_);
  by_hash_ = std::move(parsed);
  return absl::OkStatus();
}

absl::StatusOr<Principal> ApiKeys::Authenticate(const std::string& key) const {
  const std::string hash = Sha256Hex(key);
  absl::MutexLock lock(&mu_);
  auto it = by_hash_.find(hash);
  if (it == by_hash_.end()) {
    return absl::UnauthenticatedError("unknown API key");
  }
  return it->second;
}

absl::Status Authenticator::Reload() {
  RETURN_IF_ERROR(keys_.Load(config_.api_keys_file));
  if (!config_.jwks_file.empty()) {
    if (config_.jwt.issuer.empty() || config_.jwt.audience.empty()) {
      return absl::InvalidArgumentError("a JWKS file needs an issuer and an audience");
    }
    return jwt_.Load(config_.jwks_file);
  }
  return absl::OkStatus();
}

absl::StatusOr<Principal> Authenticator::Authenticate(const std::string& authorization) const {
  if (authorization.empty()) {
    return absl::UnauthenticatedError(
        "no credentials: send Authorization: Bearer <api key or token>");
  }
  constexpr absl::string_view kBearer = "Bearer ";
  if (!absl::StartsWithIgnoreCase(authorization, kBearer) ||
      authorization.size() == kBearer.size()) {
    return absl::UnauthenticatedError("the Authorization header must be Bearer <api key or token>");
  }
  const std::string credential = authorization.substr(kBearer.size());
  if (std::count(credential.begin(), credential.end(), '.') == 2) {
    if (!jwt_.Enabled()) {
      return absl::UnauthenticatedError("this gateway accepts no tokens");
    }
    return jwt_.Verify(credential, absl::Now());
  }
  return keys_.Authenticate(credential);
}

}  // namespace chitieu::gateway

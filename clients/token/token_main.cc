// chitieu-token: the identity provider's half of JWT sign-in, for the demo
// and tests. In production the city's identity provider signs tokens and
// publishes its JWKS; this tool plays that part on one machine:
//
//   chitieu-token keygen --key_file=idp-key.pem --jwks_file=jwks.json [--kid=demo-1] [--ec]
//   chitieu-token sign --key_file=idp-key.pem --kid=demo-1 --issuer=… --sub=hk.officer
//       --role=district_officer --units=units/002 [--ttl_seconds=3600]
//
// `keygen` writes a new private key (RSA 2048, or P-256 with --ec) and the
// JWKS the gateway reads (--jwks_file); `sign` prints a token.

#include <sys/stat.h>

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "services/gateway/jwt.h"

ABSL_FLAG(std::string, key_file, "", "PEM private key (written by keygen, read by sign)");
ABSL_FLAG(std::string, jwks_file, "", "keygen: where to write the JWKS");
ABSL_FLAG(std::string, kid, "demo-1", "Key id");
ABSL_FLAG(bool, ec, false, "keygen: a P-256 key (ES256) instead of RSA (RS256)");
ABSL_FLAG(std::string, issuer, "chitieu-demo-idp", "sign: iss");
ABSL_FLAG(std::string, audience, "chitieu", "sign: aud");
ABSL_FLAG(std::string, sub, "", "sign: the person");
ABSL_FLAG(std::string, role, "viewer", "sign: chitieu_role");
ABSL_FLAG(std::string, units, "", "sign: chitieu_units, comma-separated");
ABSL_FLAG(int, ttl_seconds, 3600, "sign: seconds until exp (negative: already expired)");

namespace {

int Fail(const std::string& what) {
  std::cerr << "chitieu-token: " << what << "\n";
  return 1;
}

bool WritePrivate(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("chitieu-token keygen|sign [flags]");
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (args.size() != 2) {
    return Fail("usage: chitieu-token keygen|sign [flags]");
  }
  const std::string command = args[1];
  const std::string key_file = absl::GetFlag(FLAGS_key_file);
  if (key_file.empty()) {
    return Fail("--key_file is required");
  }
  if (command == "keygen") {
    if (absl::GetFlag(FLAGS_jwks_file).empty()) {
      return Fail("--jwks_file is required");
    }
    auto pem = chitieu::gateway::NewSigningKeyPem(absl::GetFlag(FLAGS_ec));
    if (!pem.ok()) {
      return Fail(pem.status().ToString());
    }
    auto jwk = chitieu::gateway::PublicJwk(*pem, absl::GetFlag(FLAGS_kid));
    if (!jwk.ok()) {
      return Fail(jwk.status().ToString());
    }
    const mode_t old = umask(077);
    const bool ok = WritePrivate(key_file, *pem);
    umask(old);
    if (!ok) {
      return Fail("cannot write " + key_file);
    }
    std::ofstream(absl::GetFlag(FLAGS_jwks_file), std::ios::trunc)
        << "{\"keys\":[" << *jwk << "]}\n";
    return 0;
  }
  if (command == "sign") {
    std::ifstream in(key_file);
    if (!in) {
      return Fail("cannot read " + key_file);
    }
    std::stringstream pem;
    pem << in.rdbuf();
    if (absl::GetFlag(FLAGS_sub).empty()) {
      return Fail("--sub is required");
    }
    const int64_t now = absl::ToUnixSeconds(absl::Now());
    nlohmann::json claims = {
        {"iss", absl::GetFlag(FLAGS_issuer)},
        {"aud", absl::GetFlag(FLAGS_audience)},
        {"sub", absl::GetFlag(FLAGS_sub)},
        {"iat", now},
        {"nbf", now},
        {"exp", now + absl::GetFlag(FLAGS_ttl_seconds)},
        {"chitieu_role", absl::GetFlag(FLAGS_role)},
        {"chitieu_units", std::vector<std::string>(
                              absl::StrSplit(absl::GetFlag(FLAGS_units), ',', absl::SkipEmpty()))}};
    if (absl::GetFlag(FLAGS_ttl_seconds) < 0) {
      claims["nbf"] = now + 2 * absl::GetFlag(FLAGS_ttl_seconds);
    }
    auto token = chitieu::gateway::SignJwt(pem.str(), absl::GetFlag(FLAGS_kid), claims.dump());
    if (!token.ok()) {
      return Fail(token.status().ToString());
    }
    std::cout << *token << "\n";
    return 0;
  }
  return Fail("unknown command " + command + " (keygen or sign)");
}

// libFuzzer target: the gateway's JWT verification, which reads a token's
// header before any signature is checked — so any caller reaches it. The
// verifier holds one RSA key (kid "fuzz-rsa"); nothing the fuzzer makes can
// be signed by it, so every input must be refused, and never by a throw.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/gateway/jwt.h"

namespace {

const chitieu::gateway::JwtVerifier& TheVerifier() {
  static const auto* verifier = [] {
    auto pem = chitieu::gateway::NewSigningKeyPem(false);
    auto jwk = chitieu::gateway::PublicJwk(*pem, "fuzz-rsa");
    const std::string path = "/tmp/chitieu-jwt-fuzz-jwks.json";
    FILE* f = fopen(path.c_str(), "w");
    fputs(absl::StrCat(R"({"keys":[)", *jwk, "]}").c_str(), f);
    fclose(f);
    auto* v = new chitieu::gateway::JwtVerifier({"https://id.example", "chitieu"});
    if (!v->Load(path).ok()) {
      std::abort();
    }
    return v;
  }();
  return *verifier;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string token(reinterpret_cast<const char*>(data), size);
  if (TheVerifier().Verify(token, absl::Now()).ok()) std::abort();  // A forgery got in.
  return 0;
}

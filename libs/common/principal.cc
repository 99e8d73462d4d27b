#include "libs/common/principal.h"

#include <cstdlib>

#include "absl/flags/flag.h"
#include "libs/common/flags.h"

namespace chitieu {
namespace {

std::string Metadata(const grpc::ServerContextBase& context, const char* key) {
  const auto& md = context.client_metadata();
  auto it = md.find(key);
  return it == md.end() ? "" : std::string(it->second.data(), it->second.size());
}

// Compares without leaking, through timing, how much of a guess is right.
bool SameSecret(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

std::string ServiceSecret() {
  std::string secret = absl::GetFlag(FLAGS_service_secret);
  if (secret.empty()) {
    if (const char* env = std::getenv("CHITIEU_SERVICE_SECRET"); env != nullptr) secret = env;
  }
  return secret;
}

absl::Status CheckCaller(const grpc::ServerContextBase& context) {
  static const std::string secret = ServiceSecret();
  if (secret.empty() || SameSecret(Metadata(context, kServiceSecretMetadata), secret)) {
    return absl::OkStatus();
  }
  return absl::UnauthenticatedError("direct calls are refused: call through the gateway");
}

void AddServiceSecret(grpc::ClientContext* context) {
  static const std::string secret = ServiceSecret();
  if (!secret.empty()) context->AddMetadata(kServiceSecretMetadata, secret);
}

std::string PrincipalOf(const grpc::ServerContextBase& context) {
  std::string principal = Metadata(context, kPrincipalMetadata);
  if (principal.empty() || !CheckCaller(context).ok()) return "anonymous";
  return principal;
}

}  // namespace chitieu

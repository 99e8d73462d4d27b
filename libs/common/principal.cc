// Who is calling: trusted callers and the principal in metadata (principal.h).

#include "libs/common/principal.h"

#include <atomic>
#include <cstdlib>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "libs/common/flags.h"
#include "libs/common/percent_encoding.h"
#include "libs/common/status_macros.h"
#include "libs/common/tls.h"

namespace chitieu {
namespace {

// Compares without leaking, through timing, how much of a guess is right.
bool SameSecret(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) {
    return false;
  }
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

}  // namespace

std::string ServiceSecret() {
  std::string secret = absl::GetFlag(FLAGS_service_secret);
  if (secret.empty()) {
    if (const char* env = std::getenv("CHITIEU_SERVICE_SECRET"); env != nullptr) {
      secret = env;
    }
  }
  return secret;
}

absl::Status CheckCaller(const grpc::ServerContextBase& context) {
  static const std::string secret = ServiceSecret();
  static const bool mtls = ClientCertificatesRequired();
  if (mtls) {
    // The listener verified the peer's certificate against the services'
    // CA: another service, or the gateway.
    auto auth = context.auth_context();
    if (auth != nullptr && auth->IsPeerAuthenticated()) {
      return absl::OkStatus();
    }
  }
  if ((secret.empty() && !mtls) ||
      (!secret.empty() && SameSecret(ClientMetadata(context, kServiceSecretMetadata), secret))) {
    return absl::OkStatus();
  }
  return absl::UnauthenticatedError("direct calls are refused: call through the gateway");
}

void AddServiceSecret(grpc::ClientContext* context) {
  static const std::string secret = ServiceSecret();
  if (!secret.empty()) {
    context->AddMetadata(kServiceSecretMetadata, secret);
  }
}

std::string MetadataValue(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata,
                          absl::string_view key) {
  auto it = metadata.find(grpc::string_ref(key.data(), key.size()));
  return it == metadata.end() ? std::string() : std::string(it->second.data(), it->second.size());
}

std::string ClientMetadata(const grpc::ServerContextBase& context, absl::string_view key) {
  return MetadataValue(context.client_metadata(), key);
}

bool SafeMetadataValue(absl::string_view value) {
  if (value.size() > 8192) {
    return false;
  }
  for (unsigned char c : value) {
    if (c < 0x20 || c > 0x7e) {
      return false;
    }
  }
  return true;
}

std::string EncodeMetadataText(absl::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (absl::ascii_isalnum(c) || c == '.' || c == ':' || c == '@' || c == '_' || c == '-') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string DecodeMetadataText(absl::string_view text) {
  return *PercentDecode(text, /*plus_is_space=*/false, MalformedEscape::kKeep);
}

void AddPrincipal(const Principal& principal, grpc::ClientContext* context) {
  AddServiceSecret(context);
  // Percent-encoded: a person's name may carry any Unicode.
  context->AddMetadata(kPrincipalMetadata, EncodeMetadataText(principal.name));
  context->AddMetadata(kRoleMetadata, RoleName(principal.role));
  context->AddMetadata(kScopeMetadata, absl::StrJoin(principal.scope, ","));
}

namespace {

// The principal in the metadata, not yet knowing whether the caller may
// vouch for one. A principal with a missing or unknown role, or no scope,
// may do nothing: the viewer role over an empty scope.
std::optional<Principal> PrincipalInMetadata(const grpc::ServerContextBase& context) {
  Principal principal;
  principal.name = DecodeMetadataText(ClientMetadata(context, kPrincipalMetadata));
  if (principal.name.empty()) {
    return std::nullopt;
  }
  auto role = ParseRole(ClientMetadata(context, kRoleMetadata));
  principal.role = role.ok() ? *role : Role::kViewer;
  if (role.ok()) {
    for (absl::string_view unit :
         absl::StrSplit(ClientMetadata(context, kScopeMetadata), ',', absl::SkipEmpty())) {
      principal.scope.insert(std::string(unit));
    }
  }
  return principal;
}

}  // namespace

std::optional<Principal> VouchedPrincipal(const grpc::ServerContextBase& context) {
  if (!CheckCaller(context).ok()) {
    return std::nullopt;
  }
  return PrincipalInMetadata(context);
}

std::string PrincipalOf(const grpc::ServerContextBase& context) {
  std::string principal = DecodeMetadataText(ClientMetadata(context, kPrincipalMetadata));
  if (principal.empty() || !CheckCaller(context).ok()) {
    return "anonymous";
  }
  return principal;
}

}  // namespace chitieu

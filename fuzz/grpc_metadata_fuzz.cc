// libFuzzer target: what the gateway does with the metadata of a gRPC
// call, for any bytes a caller may send (gRPC's server accepts values its
// own C++ client would refuse, and once such a value, copied on, aborted
// the gateway). Input: NUL-separated fields — a header value, an
// Authorization value, and a principal's name, role and unit. Properties:
//   - a value SafeMetadataValue passes is one gRPC accepts when a call
//     starts (grpc_header_nonbin_value_is_legal; else the original crash);
//   - percent-encoding round-trips and always yields a legal value;
//   - a request id AuditableRequestId passes is legal to forward;
//   - MetadataValue finds exactly what was put in;
//   - any principal — from an API key, or with any name a JWT's sub may
//     carry — can be attached to an upstream call.
#include <grpc/grpc.h>
#include <grpc/slice.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "libs/common/idempotency.h"
#include "libs/common/principal.h"
#include "services/gateway/auth.h"

namespace {

const chitieu::gateway::Authenticator& TheAuthenticator() {
  static const auto* auth = [] {
    const std::string path = "/tmp/chitieu-metadata-fuzz-" + std::to_string(getpid()) + ".keys";
    std::ofstream(path) << chitieu::gateway::Sha256Hex("k-fuzz")
                        << " user:fuzz district_officer units/002\n";
    chitieu::gateway::AuthConfig config;
    config.api_keys_file = path;
    auto* a = new chitieu::gateway::Authenticator(config);
    if (!a->Reload().ok()) {
      std::abort();
    }
    unlink(path.c_str());
    return a;
  }();
  return *auth;
}

// What gRPC itself checks of a metadata value when a call starts (the
// check that aborted the gateway): ClientContext::AddMetadata checks
// nothing.
bool Legal(const std::string& value) {
  grpc_slice slice = grpc_slice_from_copied_buffer(value.data(), value.size());
  const bool legal = grpc_header_nonbin_value_is_legal(slice) != 0;
  grpc_slice_unref(slice);
  return legal;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> f = absl::StrSplit(input, '\0');
  f.resize(5);
  const std::string& value = f[0];

  grpc::ClientContext ctx;
  if (chitieu::SafeMetadataValue(value)) {
    if (!Legal(value)) {
      std::abort();
    }
    ctx.AddMetadata("x-fuzz", value);
  }
  const std::string encoded = chitieu::EncodeMetadataText(value);
  if (!Legal(encoded)) {
    std::abort();
  }
  if (chitieu::DecodeMetadataText(encoded) != value) {
    std::abort();
  }
  if (chitieu::AuditableRequestId(value) && !Legal(value)) {
    std::abort();
  }

  const grpc::string_ref key("x-fuzz"), ref(value);
  const std::multimap<grpc::string_ref, grpc::string_ref> metadata = {{key, ref}};
  if (chitieu::MetadataValue(metadata, "x-fuzz") != value) {
    std::abort();
  }

  if (auto principal = TheAuthenticator().Authenticate(f[1]); principal.ok()) {
    chitieu::AddPrincipal(*principal, &ctx);
  }
  chitieu::Principal made;
  made.name = f[2];
  made.role =
      static_cast<chitieu::Role>(static_cast<unsigned char>(f[3].empty() ? 0 : f[3][0]) % 5);
  if (!f[4].empty()) {
    made.scope.insert(f[4]);
  }
  grpc::ClientContext upstream;
  chitieu::AddPrincipal(made, &upstream);
  return 0;
}

// Sealing page tokens to the caller and the query (page_token_seal.h).

#include "libs/common/page_token_seal.h"

#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <memory>

#include "absl/flags/flag.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "libs/common/errors.h"
#include "libs/common/log.h"
#include "libs/common/status_macros.h"

ABSL_FLAG(std::string, page_token_key, "",
          "Key that page tokens are signed with, the same on every replica "
          "(or CHITIEU_PAGE_TOKEN_KEY; empty: a random key per process)");
ABSL_FLAG(std::string, page_token_previous_key, "",
          "The key before --page_token_key, still accepted during a rotation "
          "(or CHITIEU_PAGE_TOKEN_PREVIOUS_KEY)");

namespace chitieu {
namespace {

constexpr absl::string_view kPrefix = "s1.";

std::string FlagOrEnv(const std::string& flag, const char* env) {
  if (!flag.empty()) {
    return flag;
  }
  const char* value = std::getenv(env);
  return value == nullptr ? "" : value;
}

struct Keys {
  std::string current;
  std::string previous;
};

// Read on each use (a test may change the flags); the random key, made
// once, stands in while no key is set.
Keys PageTokenKeys() {
  Keys k;
  k.current = FlagOrEnv(absl::GetFlag(FLAGS_page_token_key), "CHITIEU_PAGE_TOKEN_KEY");
  k.previous =
      FlagOrEnv(absl::GetFlag(FLAGS_page_token_previous_key), "CHITIEU_PAGE_TOKEN_PREVIOUS_KEY");
  if (k.current.empty()) {
    static const std::string random_key = [] {
      unsigned char random[32];
      if (RAND_bytes(random, sizeof(random)) != 1) {
        std::abort();
      }
      LogInfo("no page-token key set: this process signs page tokens with a key of its own",
              {{"hint", "set --page_token_key (or CHITIEU_PAGE_TOKEN_KEY) on every replica"}});
      return std::string(reinterpret_cast<char*>(random), sizeof(random));
    }();
    k.current = random_key;
  }
  return k;
}

std::string Mac(const std::string& key, absl::string_view token, absl::string_view binding) {
  const std::string data = absl::StrCat(binding, std::string(1, '\0'), token);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

bool SameMac(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

const google::protobuf::FieldDescriptor* StringField(const google::protobuf::Message& m,
                                                     const char* name) {
  const auto* f = m.GetDescriptor()->FindFieldByName(name);
  if (f == nullptr || f->type() != google::protobuf::FieldDescriptor::TYPE_STRING ||
      f->is_repeated()) {
    return nullptr;
  }
  return f;
}

}  // namespace

std::string PageTokenBinding(absl::string_view principal, absl::string_view method,
                             const google::protobuf::Message& request) {
  std::unique_ptr<google::protobuf::Message> query(request.New());
  query->CopyFrom(request);
  for (const char* name : {"page_token", "page_size"}) {
    const auto* f = query->GetDescriptor()->FindFieldByName(name);
    if (f != nullptr) {
      query->GetReflection()->ClearField(query.get(), f);
    }
  }
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    query->SerializeToCodedStream(&coded);
  }
  return absl::StrCat(principal, std::string(1, '\0'), method, std::string(1, '\0'), bytes);
}

std::string SealPageToken(absl::string_view token, absl::string_view binding) {
  if (token.empty()) {
    return "";
  }
  return absl::StrCat(kPrefix, token, ".",
                      absl::WebSafeBase64Escape(Mac(PageTokenKeys().current, token, binding)));
}

absl::StatusOr<std::string> UnsealPageToken(absl::string_view sealed, absl::string_view binding) {
  if (sealed.empty()) {
    return std::string();
  }
  auto bad = [] {
    return InvalidField("page_token", "is not a token this list issued for these parameters");
  };
  if (sealed.size() > 2048 || !absl::StartsWith(sealed, kPrefix)) {
    return bad();
  }
  const size_t dot = sealed.rfind('.');
  if (dot < kPrefix.size()) {
    return bad();
  }
  const absl::string_view token = sealed.substr(kPrefix.size(), dot - kPrefix.size());
  std::string mac;
  if (token.empty() || !absl::WebSafeBase64Unescape(sealed.substr(dot + 1), &mac)) {
    return bad();
  }
  const Keys keys = PageTokenKeys();
  if (SameMac(mac, Mac(keys.current, token, binding)) ||
      (!keys.previous.empty() && SameMac(mac, Mac(keys.previous, token, binding)))) {
    return std::string(token);
  }
  return bad();
}

absl::StatusOr<std::unique_ptr<google::protobuf::Message>> UnsealRequest(
    absl::string_view binding, const google::protobuf::Message& request) {
  const auto* f = StringField(request, "page_token");
  if (f == nullptr) {
    return nullptr;
  }
  const std::string& sealed = request.GetReflection()->GetString(request, f);
  if (sealed.empty()) {
    return nullptr;
  }
  ASSIGN_OR_RETURN(auto token, UnsealPageToken(sealed, binding));
  std::unique_ptr<google::protobuf::Message> copy(request.New());
  copy->CopyFrom(request);
  copy->GetReflection()->SetString(copy.get(), f, token);
  return copy;
}

void SealResponse(absl::string_view binding, google::protobuf::Message* response) {
  const auto* f = StringField(*response, "next_page_token");
  if (f == nullptr) {
    return;
  }
  const std::string token = response->GetReflection()->GetString(*response, f);
  if (!token.empty()) {
    response->GetReflection()->SetString(response, f, SealPageToken(token, binding));
  }
}

}  // namespace chitieu

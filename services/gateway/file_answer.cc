// A file answer's headers (file_answer.h).

#include "services/gateway/file_answer.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "libs/common/file_types.h"

namespace chitieu::gateway {
namespace {

// RFC 5987 attr-char: what filename* may hold unencoded.
bool IsAttrChar(char c) {
  return absl::ascii_isalnum(c) ||
         absl::string_view("!#$&+-.^_`|~").find(c) != absl::string_view::npos;
}

}  // namespace

absl::StatusOr<FileAnswer> FileAnswerOf(const google::api::HttpBody& body) {
  const FileType* type = FileTypeOfMedia(body.content_type());
  if (type == nullptr) {
    return absl::InternalError("a service answered a file of a type the gateway does not serve");
  }
  const std::string name = SafeFileName(FileNameOf(body), *type);
  std::string fallback, encoded;
  for (char c : name) {
    const bool plain = absl::ascii_isalnum(c) || c == '.' || c == '-' || c == '_' || c == '(' ||
                       c == ')' || c == ' ';
    fallback += plain ? c : '_';
    if (IsAttrChar(c)) {
      encoded += c;
    } else {
      absl::StrAppendFormat(&encoded, "%%%02X", static_cast<unsigned char>(c));
    }
  }
  FileAnswer answer;
  answer.content_type = std::string(type->media_type);
  answer.headers = {{"Content-Disposition", absl::StrCat("attachment; filename=\"", fallback,
                                                         "\"; filename*=UTF-8''", encoded)},
                    {"X-Content-Type-Options", "nosniff"},
                    {"Cache-Control", "no-store"}};
  return answer;
}

}  // namespace chitieu::gateway

// The files the API answers with (file_types.h).

#include "libs/common/file_types.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "chitieu/type/v1/types.pb.h"
#include "libs/common/errors.h"

namespace chitieu {

const std::vector<FileType>& FileTypes() {
  static const auto* kTypes = new std::vector<FileType>{
      {"CSV", "text/csv; charset=utf-8", "csv"},
      {"XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"},
      {"PDF", "application/pdf", "pdf"},
  };
  return *kTypes;
}

const FileType* FileTypeOfFormat(absl::string_view format) {
  for (const FileType& type : FileTypes()) {
    if (type.format == format) {
      return &type;
    }
  }
  return nullptr;
}

const FileType* FileTypeOfMedia(absl::string_view media_type) {
  for (const FileType& type : FileTypes()) {
    if (type.media_type == media_type) {
      return &type;
    }
  }
  return nullptr;
}

std::string SafeFileName(absl::string_view name, const FileType& type) {
  const std::string fallback = absl::StrCat("download.", type.extension);
  if (name.empty() || name.size() > 200 || name.front() == '.' ||
      !absl::EndsWith(name, absl::StrCat(".", type.extension)) || EscapeInvalidUtf8(name) != name) {
    return fallback;
  }
  for (size_t i = 0; i < name.size(); ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    const auto next = i + 1 < name.size() ? static_cast<unsigned char>(name[i + 1]) : 0;
    const auto third = i + 2 < name.size() ? static_cast<unsigned char>(name[i + 2]) : 0;
    const bool c1 = c == 0xC2 && next >= 0x80 && next <= 0x9F;  // U+0080..U+009F
    // U+202A..U+202E and U+2066..U+2069: text direction overrides.
    const bool bidi = c == 0xE2 && ((next == 0x80 && third >= 0xAA && third <= 0xAE) ||
                                    (next == 0x81 && third >= 0xA6 && third <= 0xA9));
    if (c < 0x20 || c == 0x7F || c == '/' || c == '\\' || c1 || bidi) {
      return fallback;
    }
  }
  return std::string(name);
}

google::api::HttpBody FileBody(const FileType& type, std::string data, std::string file_name) {
  google::api::HttpBody body;
  body.set_content_type(std::string(type.media_type));
  *body.mutable_data() = std::move(data);
  type::v1::Attachment attachment;
  attachment.set_file_name(std::move(file_name));
  body.add_extensions()->PackFrom(attachment);
  return body;
}

std::string FileNameOf(const google::api::HttpBody& body) {
  for (const auto& extension : body.extensions()) {
    type::v1::Attachment attachment;
    if (extension.UnpackTo(&attachment)) {
      return attachment.file_name();
    }
  }
  return "";
}

}  // namespace chitieu

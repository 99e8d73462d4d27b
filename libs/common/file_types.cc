// The files the API answers with (file_types.h).

#include "libs/common/file_types.h"

#include "chitieu/type/v1/types.pb.h"

namespace chitieu {

const std::vector<FileType>& FileTypes() {
  static const auto* kTypes = new std::vector<FileType>{
      {"CSV", "text/csv; charset=utf-8", "csv"},
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

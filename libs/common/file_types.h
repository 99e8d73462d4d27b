#pragma once

// The files the API answers with (google.api.HttpBody): each format's media
// type and extension, in one table for the services that write files and
// the gateway that serves them (which serves no other type), and the file's
// name carried beside its bytes (chitieu.type.v1.Attachment).

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "google/api/httpbody.pb.h"

namespace chitieu {

struct FileType {
  absl::string_view format;      // The suffix of its format enum's value: "CSV".
  absl::string_view media_type;  // "text/csv; charset=utf-8".
  absl::string_view extension;   // "csv".
};

// Every type, in the table's order.
const std::vector<FileType>& FileTypes();
// By format suffix ("CSV"), or nullptr.
const FileType* FileTypeOfFormat(absl::string_view format);
// By media type exactly as FileTypes() writes it, or nullptr.
const FileType* FileTypeOfMedia(absl::string_view media_type);

// `name` if it is a safe base name for a file of `type` (at most 200 bytes
// of UTF-8, no folder separator, no leading dot, no control, C1 or bidi
// override character, ending in ".<extension>"), else "download.<ext>":
// what the gateway names a download and the CLI writes, whatever a
// service put in it.
std::string SafeFileName(absl::string_view name, const FileType& type);

// A file answer: its bytes, its type's media type, and its name.
google::api::HttpBody FileBody(const FileType& type, std::string data, std::string file_name);
// The name a FileBody carries, or "" if it carries none.
std::string FileNameOf(const google::api::HttpBody& body);

}  // namespace chitieu

#pragma once

// A file answer (google.api.HttpBody) as the HTTP front sends it: the media
// type only if it is one of the API's file types (libs/common/file_types.h),
// and a Content-Disposition naming the file (RFC 6266: an ASCII fallback and
// the UTF-8 name in filename*), built so that no byte a service or a
// stored name holds can break out of the header.

#include <string>

#include "absl/status/statusor.h"
#include "google/api/httpbody.pb.h"
#include "services/gateway/http_front.h"

namespace chitieu::gateway {

struct FileAnswer {
  std::string content_type;
  HttpHeaders headers;  // Content-Disposition, nosniff, no-store.
};

// INTERNAL for a media type the API does not serve. A name that is not a
// safe one for its type (SafeFileName) becomes "download.<extension>".
absl::StatusOr<FileAnswer> FileAnswerOf(const google::api::HttpBody& body);

}  // namespace chitieu::gateway

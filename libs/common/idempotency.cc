// Request ids, fingerprints and etags (idempotency.h).

#include "libs/common/idempotency.h"

#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace chitieu {

absl::Status CheckRequestId(const std::string& request_id) {
  if (request_id.size() > 128) {
    return InvalidField("request_id", "must be at most 128 bytes");
  }
  for (unsigned char c : request_id) {
    if (c <= 0x20 || c >= 0x7f) {
      return InvalidField("request_id", "must be printable ASCII without spaces (a UUID)");
    }
  }
  return absl::OkStatus();
}

bool AuditableRequestId(absl::string_view id) {
  if (id.empty() || id.size() > 128) {
    return false;
  }
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != ':' &&
        c != '-') {
      return false;
    }
  }
  return true;
}

std::string RequestFingerprint(const google::protobuf::Message& request) {
  std::unique_ptr<google::protobuf::Message> copy(request.New());
  copy->CopyFrom(request);
  if (const auto* f = copy->GetDescriptor()->FindFieldByName("request_id")) {
    copy->GetReflection()->ClearField(copy.get(), f);
  }
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    copy->SerializeToCodedStream(&coded);
  }
  return out;
}

std::string NextEtag(const std::string& etag) {
  int64_t n = 0;
  if (etag.size() > 1 && etag[0] == 'v' && !absl::SimpleAtoi(etag.substr(1), &n)) {
    n = 0;
  }
  return absl::StrCat("v", n + 1);
}

absl::Status CheckEtag(const std::string& given, const std::string& current) {
  if (!given.empty() && given != current) {
    return WithReason(absl::AbortedError(absl::StrCat("etag ", given, " is stale; current is ",
                                                      current, ": read again and retry")),
                      "ETAG_MISMATCH");
  }
  return absl::OkStatus();
}

}  // namespace chitieu

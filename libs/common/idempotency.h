#pragma once

// Idempotent creates and actions (AIP-155): a request carrying a request_id
// is answered once; a retry with the same id and the same request gets the
// first answer again and writes nothing. Also etags (AIP-154).

#include <functional>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "libs/common/errors.h"
#include "libs/common/status_macros.h"

namespace chitieu {

// A stored answer to a call carrying a request_id.
struct StoredRequest {
  std::string method;
  // The request without its request_id, serialised deterministically.
  std::string fingerprint;
  // The serialised response first returned.
  std::string response;
};

// INVALID_ARGUMENT on "request_id" unless it is at most 128 printable ASCII
// characters without spaces (a UUID fits). Empty is allowed.
absl::Status CheckRequestId(const std::string& request_id);

// True for a request id safe to copy into metadata and logs: 1 to 128 of
// letters, digits, '.', '_', ':' and '-' (a UUID, "gw-…").
bool AuditableRequestId(absl::string_view id);

// The request with its `request_id` field cleared, serialised
// deterministically.
std::string RequestFingerprint(const google::protobuf::Message& request);

// Runs `create` within the caller's transaction `tx` unless `request_id`
// was seen: then returns the first answer again, or ALREADY_EXISTS (reason
// REQUEST_ID_REUSED) if the id came with a different request. `Tx` has
// GetRequest(id) → StatusOr<optional<StoredRequest>> and PutRequest(id, r).
template <typename Response, typename Tx>
absl::StatusOr<Response> Idempotent(Tx& tx, absl::string_view method,
                                    const google::protobuf::Message& request,
                                    const std::string& request_id,
                                    const std::function<absl::StatusOr<Response>()>& create) {
  if (request_id.empty()) {
    return create();
  }
  std::string fingerprint = RequestFingerprint(request);
  ASSIGN_OR_RETURN(auto stored, tx.GetRequest(request_id));
  if (stored.has_value()) {
    if (stored->method != method || stored->fingerprint != fingerprint) {
      return WithReason(
          absl::AlreadyExistsError("request_id was already used for a different request"),
          "REQUEST_ID_REUSED");
    }
    Response first;
    if (!first.ParseFromString(stored->response)) {
      return absl::DataLossError("stored response cannot be parsed");
    }
    return first;
  }
  auto result = create();
  if (!result.ok()) {
    return result;
  }
  RETURN_IF_ERROR(tx.PutRequest(
      request_id, StoredRequest{std::string(method), fingerprint, result->SerializeAsString()}));
  return result;
}

// The etag after `etag` ("v1", "v2", …).
std::string NextEtag(const std::string& etag);

// ABORTED (reason ETAG_MISMATCH) when the caller sent an etag that is not
// the current one; OK when it sent none or the current one.
absl::Status CheckEtag(const std::string& given, const std::string& current);

}  // namespace chitieu

#pragma once

// Rich errors below the transport layer: absl::Status values that carry
// google.rpc error details (BadRequest field violations, ErrorInfo reasons)
// as payloads, so that the one mapping to grpc::Status (grpc_status.h) can
// send them to callers in every language.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace chitieu {

// The ErrorInfo domain of every error this system raises.
inline constexpr absl::string_view kErrorDomain = "chitieu.gov.vn";

// Payload type URLs, as google.protobuf.Any spells them.
inline constexpr absl::string_view kBadRequestTypeUrl = "type.googleapis.com/google.rpc.BadRequest";
inline constexpr absl::string_view kErrorInfoTypeUrl = "type.googleapis.com/google.rpc.ErrorInfo";
inline constexpr absl::string_view kRetryInfoTypeUrl = "type.googleapis.com/google.rpc.RetryInfo";

// Collects field violations; ToStatus() is OK when there are none.
class FieldViolations {
 public:
  // `field` is a proto field path such as "enterprise.enterprise_code".
  void Add(std::string field, std::string description);
  bool empty() const { return violations_.empty(); }
  const std::vector<std::pair<std::string, std::string>>& violations() const { return violations_; }
  // Returns OK when empty, else INVALID_ARGUMENT (or `code`) whose message
  // is the first violation and whose BadRequest payload lists all of them.
  absl::Status ToStatus(absl::StatusCode code = absl::StatusCode::kInvalidArgument) const;

 private:
  std::vector<std::pair<std::string, std::string>> violations_;
};

// INVALID_ARGUMENT naming one bad field.
absl::Status InvalidField(std::string field, std::string description);

// `text` with every byte that is not part of valid UTF-8 written as \xNN.
std::string EscapeInvalidUtf8(absl::string_view text);

// FAILED_PRECONDITION naming the field whose value breaks a rule of state
// (e.g. founding in a dissolved enterprise).
absl::Status FailedField(std::string field, std::string description);

// Returns `status` with an ErrorInfo payload carrying a machine-readable
// reason such as "ETAG_MISMATCH" UPPER_SNAKE_CASE.
absl::Status WithReason(absl::Status status, absl::string_view reason);

// Reads the field violations of a status built above (for tests and for
// importers that report per-row reasons).
std::vector<std::pair<std::string, std::string>> GetFieldViolations(const absl::Status& status);

// RESOURCE_EXHAUSTED saying when to retry (a google.rpc.RetryInfo; over
// HTTP, 429 with Retry-After).
absl::Status TooManyRequests(std::string message, absl::Duration retry_after);

// The RetryInfo delay of a status, if it carries one.
std::optional<absl::Duration> GetRetryDelay(const absl::Status& status);

// Reads the ErrorInfo reason, or "" when there is none.
std::string GetReason(const absl::Status& status);

// Whether `status` is a failure of ours rather than an answer to the
// caller (INTERNAL, UNKNOWN, DATA_LOSS): its message names our statements
// and files, and is logged, never sent.
bool IsInternalFailure(const absl::Status& status);

// The message a caller may be sent for `status`: "internal error" for an
// internal failure (logged in full here), else the status's own message.
// ToGrpcStatus sends it; so does every answer that carries a status inside
// its body (a batch's per-item results).
std::string CallerMessage(const absl::Status& status);

}  // namespace chitieu

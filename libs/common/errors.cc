// Field violations, reasons and retry delays as absl::Status payloads
// (errors.h).

#include "libs/common/errors.h"

#include <algorithm>

#include "absl/strings/cord.h"
#include "absl/strings/str_format.h"
#include "google/rpc/error_details.pb.h"
#include "libs/common/log.h"

namespace chitieu {

// Written here rather than taken from protobuf, whose UTF-8 check is an
// internal API: a few lines, tested in errors_test.cc.
std::string EscapeInvalidUtf8(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    // The length of the sequence `c` starts, and the smallest code point
    // of that length (an overlong encoding is invalid).
    int length = 0;
    uint32_t cp = 0, min = 0;
    if (c < 0x80) {
      length = 1, cp = c;
    } else if ((c & 0xE0) == 0xC0) {
      length = 2, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      length = 3, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      length = 4, cp = c & 0x07, min = 0x10000;
    }
    bool valid = length > 0 && i + length <= text.size();
    for (int k = 1; valid && k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      valid = (next & 0xC0) == 0x80;
      cp = (cp << 6) | (next & 0x3F);
    }
    valid = valid && cp >= min && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
    if (valid) {
      out.append(text.data() + i, length);
      i += length;
    } else {
      absl::StrAppendFormat(&out, "\\x%02x", c);
      ++i;
    }
  }
  return out;
}

void FieldViolations::Add(std::string field, std::string description) {
  // Both go into a google.rpc.BadRequest, whose strings must be UTF-8; a
  // description may quote the caller's bytes.
  violations_.emplace_back(EscapeInvalidUtf8(field), EscapeInvalidUtf8(description));
}

absl::Status FieldViolations::ToStatus(absl::StatusCode code) const {
  if (violations_.empty()) {
    return absl::OkStatus();
  }
  google::rpc::BadRequest bad_request;
  for (const auto& [field, description] : violations_) {
    auto* v = bad_request.add_field_violations();
    v->set_field(field);
    v->set_description(description);
  }
  std::string message = violations_.front().first + ": " + violations_.front().second;
  if (violations_.size() > 1) {
    message += " (and " + std::to_string(violations_.size() - 1) + " more)";
  }
  absl::Status status(code, message);
  status.SetPayload(kBadRequestTypeUrl, absl::Cord(bad_request.SerializeAsString()));
  return status;
}

absl::Status InvalidField(std::string field, std::string description) {
  FieldViolations v;
  v.Add(std::move(field), std::move(description));
  return v.ToStatus();
}

absl::Status FailedField(std::string field, std::string description) {
  FieldViolations v;
  v.Add(std::move(field), std::move(description));
  return v.ToStatus(absl::StatusCode::kFailedPrecondition);
}

absl::Status WithReason(absl::Status status, absl::string_view reason) {
  google::rpc::ErrorInfo info;
  info.set_reason(std::string(reason));
  info.set_domain(std::string(kErrorDomain));
  status.SetPayload(kErrorInfoTypeUrl, absl::Cord(info.SerializeAsString()));
  return status;
}

std::vector<std::pair<std::string, std::string>> GetFieldViolations(const absl::Status& status) {
  std::vector<std::pair<std::string, std::string>> out;
  auto payload = status.GetPayload(kBadRequestTypeUrl);
  if (!payload.has_value()) {
    return out;
  }
  google::rpc::BadRequest bad_request;
  if (!bad_request.ParseFromString(std::string(*payload))) {
    return out;
  }
  for (const auto& v : bad_request.field_violations()) {
    out.emplace_back(v.field(), v.description());
  }
  return out;
}

std::string GetReason(const absl::Status& status) {
  auto payload = status.GetPayload(kErrorInfoTypeUrl);
  if (!payload.has_value()) {
    return "";
  }
  google::rpc::ErrorInfo info;
  if (!info.ParseFromString(std::string(*payload))) {
    return "";
  }
  return info.reason();
}

absl::Status TooManyRequests(std::string message, absl::Duration retry_after) {
  absl::Status status = absl::ResourceExhaustedError(std::move(message));
  google::rpc::RetryInfo info;
  const int64_t ms = std::max<int64_t>(1, absl::ToInt64Milliseconds(retry_after));
  info.mutable_retry_delay()->set_seconds(ms / 1000);
  info.mutable_retry_delay()->set_nanos(static_cast<int32_t>(ms % 1000) * 1000000);
  status.SetPayload(kRetryInfoTypeUrl, absl::Cord(info.SerializeAsString()));
  return status;
}

std::optional<absl::Duration> GetRetryDelay(const absl::Status& status) {
  auto payload = status.GetPayload(kRetryInfoTypeUrl);
  if (!payload.has_value()) {
    return std::nullopt;
  }
  google::rpc::RetryInfo info;
  if (!info.ParseFromString(std::string(*payload))) {
    return std::nullopt;
  }
  return absl::Seconds(info.retry_delay().seconds()) +
         absl::Nanoseconds(info.retry_delay().nanos());
}

bool IsInternalFailure(const absl::Status& status) {
  return status.code() == absl::StatusCode::kInternal ||
         status.code() == absl::StatusCode::kUnknown ||
         status.code() == absl::StatusCode::kDataLoss;
}

std::string CallerMessage(const absl::Status& status) {
  if (IsInternalFailure(status)) {
    LogError("internal error", {{"status", status.ToString()}});
    return "internal error";
  }
  return std::string(status.message());
}

}  // namespace chitieu

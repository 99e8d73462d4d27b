#include "libs/common/errors.h"

#include "absl/strings/cord.h"
#include "google/rpc/error_details.pb.h"

namespace chitieu {

void FieldViolations::Add(std::string field, std::string description) {
  violations_.emplace_back(std::move(field), std::move(description));
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

}  // namespace chitieu

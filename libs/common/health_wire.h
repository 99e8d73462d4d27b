#pragma once

// grpc.health.v1's two messages, without generated code (Debian ships no
// C++ code for the health proto): HealthCheckRequest {string service = 1}
// and HealthCheckResponse {ServingStatus status = 1}.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace chitieu {

// grpc.health.v1.HealthCheckResponse.ServingStatus.
enum class ServingStatus { kUnknown = 0, kServing = 1, kNotServing = 2, kServiceUnknown = 3 };

// Longest service name a HealthCheckRequest may carry here.
inline constexpr size_t kMaxHealthServiceName = 200;

std::string EncodeHealthCheckRequest(absl::string_view service);

// The service asked about ("": the whole server); INVALID_ARGUMENT for
// bytes that are not a request, or a name longer than kMaxHealthServiceName.
absl::StatusOr<std::string> DecodeHealthCheckRequest(absl::string_view bytes);

std::string EncodeHealthCheckResponse(ServingStatus status);

// The status answered; INVALID_ARGUMENT for bytes that are not a response.
absl::StatusOr<ServingStatus> DecodeHealthCheckResponse(absl::string_view bytes);

}  // namespace chitieu

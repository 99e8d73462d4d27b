// grpc.health.v1's messages on the wire (health_wire.h).

#include "libs/common/health_wire.h"

#include "libs/common/status_macros.h"
#include "libs/common/wire_fields.h"

namespace chitieu {

std::string EncodeHealthCheckRequest(absl::string_view service) {
  std::string out;
  if (!service.empty()) {
    AppendBytesField(1, service, &out);
  }
  return out;
}

absl::StatusOr<std::string> DecodeHealthCheckRequest(absl::string_view bytes) {
  ASSIGN_OR_RETURN(auto fields, ReadWireFields(bytes));
  std::string service;
  for (auto& f : fields) {
    if (f.number == 1) {
      if (!f.length_delimited) {
        return absl::InvalidArgumentError("service must be a string");
      }
      service = std::move(f.bytes);  // The last one counts, as protobuf reads it.
    }
  }
  if (service.size() > kMaxHealthServiceName) {
    return absl::InvalidArgumentError("service is too long");
  }
  return service;
}

std::string EncodeHealthCheckResponse(ServingStatus status) {
  std::string out;
  if (status != ServingStatus::kUnknown) {
    AppendVarintField(1, static_cast<uint64_t>(status), &out);
  }
  return out;
}

absl::StatusOr<ServingStatus> DecodeHealthCheckResponse(absl::string_view bytes) {
  ASSIGN_OR_RETURN(auto fields, ReadWireFields(bytes));
  ServingStatus status = ServingStatus::kUnknown;
  for (const auto& f : fields) {
    if (f.number == 1) {
      if (f.length_delimited || f.varint > 3) {
        return absl::InvalidArgumentError("status is not a ServingStatus");
      }
      status = static_cast<ServingStatus>(f.varint);
    }
  }
  return status;
}

}  // namespace chitieu

// The gateway's grpc.health.v1 state and its two methods (health_state.h).

#include "services/gateway/health_state.h"

namespace chitieu::gateway {
namespace {

// A HealthCheckRequest is a name (kMaxHealthServiceName): nothing larger
// is read, let alone kept by a watch.
constexpr size_t kMaxHealthRequestBytes = 1024;

}  // namespace

void HealthState::SetServingStatus(const std::string& service_name, bool serving) {
  absl::MutexLock lock(&mu_);
  if (!shut_down_) {
    serving_[service_name] = serving;
  }
}

void HealthState::SetServingStatus(bool serving) {
  absl::MutexLock lock(&mu_);
  if (!shut_down_) {
    for (auto& [name, value] : serving_) {
      value = serving;
    }
  }
}

void HealthState::Shutdown() {
  absl::MutexLock lock(&mu_);
  for (auto& [name, value] : serving_) {
    value = false;
  }
  shut_down_ = true;
}

ServingStatus HealthState::StatusOf(const std::string& service) const {
  bool shut_down;
  return StatusOf(service, &shut_down);
}

ServingStatus HealthState::StatusOf(const std::string& service, bool* shut_down) const {
  absl::MutexLock lock(&mu_);
  *shut_down = shut_down_;
  auto it = serving_.find(service);
  if (it == serving_.end()) {
    return ServingStatus::kServiceUnknown;
  }
  return it->second ? ServingStatus::kServing : ServingStatus::kNotServing;
}

std::map<std::string, LocalMethod> HealthState::Methods() {
  LocalMethod check;
  check.kind = LocalMethod::kUnary;
  check.max_request_bytes = kMaxHealthRequestBytes;
  check.answer = [this](grpc::ServerContextBase*, const std::string& bytes, std::string* out) {
    auto service = DecodeHealthCheckRequest(bytes);
    if (!service.ok()) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          std::string(service.status().message()));
    }
    const ServingStatus status = StatusOf(*service);
    if (status == ServingStatus::kServiceUnknown) {
      // As the health protocol says: an unknown service is NOT_FOUND.
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "unknown service");
    }
    *out = EncodeHealthCheckResponse(status);
    return grpc::Status::OK;
  };
  LocalMethod watch;
  watch.kind = LocalMethod::kWatch;
  watch.max_request_bytes = kMaxHealthRequestBytes;
  watch.watch = [this](const std::string& bytes, std::string* out, bool* last) {
    auto service = DecodeHealthCheckRequest(bytes);
    if (!service.ok()) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          std::string(service.status().message()));
    }
    // An unknown service is SERVICE_UNKNOWN, and watched on: it may come.
    *out = EncodeHealthCheckResponse(StatusOf(*service, last));
    return grpc::Status::OK;
  };
  return {{"/grpc.health.v1.Health/Check", std::move(check)},
          {"/grpc.health.v1.Health/Watch", std::move(watch)}};
}

}  // namespace chitieu::gateway

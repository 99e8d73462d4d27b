// The backend prober's thread (backend_prober.h).

#include "libs/common/backend_prober.h"

#include "libs/common/health_client.h"

namespace chitieu {

void BackendProber::Start(grpc::HealthCheckServiceInterface* health) {
  thread_ = std::thread([this, health] { Run(health); });
}

void BackendProber::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) {
    thread_.join();
  }
}

void BackendProber::Run(grpc::HealthCheckServiceInterface* health) {
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    for (const auto& [service, channel] : backends_) {
      mu_.Unlock();  // A probe may take its whole timeout: Stop must not wait on the lock.
      const bool up = IsServingOwnQueue(channel, timeout_ms_);
      mu_.Lock();
      health->SetServingStatus(service, up);
    }
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), interval_);
  }
}

}  // namespace chitieu

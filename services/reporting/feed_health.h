#pragma once

// The feeds' connection state as the reporting service publishes it: set by
// the followers (feed_follower.h), read by the domain through FeedStatus,
// and served through grpc.health.v1. Transport-side: it holds gRPC's health
// service.

#include <grpcpp/health_check_service_interface.h>

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "services/reporting/reporting.h"
#include "services/reporting/reporting_store.h"

namespace chitieu::reporting {

// Whether each source feed is connected; set by the followers, read by
// reports (which state their lag) and published through grpc.health.v1
// under "chitieu.reporting.feed.registry" and "chitieu.reporting.feed.quota"
// (SERVING while connected). Thread-safe.
class FeedHealth : public FeedStatus {
 public:
  // Publishes the feeds' state to `health` from now on.
  void Publish(grpc::HealthCheckServiceInterface* health) {
    absl::MutexLock lock(&mu_);
    health_ = health;
    health_->SetServingStatus(HealthName(kRegistrySource), registry_);
    health_->SetServingStatus(HealthName(kQuotaSource), quota_);
  }
  void SetConnected(const std::string& source, bool connected) {
    absl::MutexLock lock(&mu_);
    (source == kRegistrySource ? registry_ : quota_) = connected;
    if (health_ != nullptr) {
      health_->SetServingStatus(HealthName(source), connected);
    }
  }
  static std::string HealthName(const std::string& source) {
    return "chitieu.reporting.feed." + source;
  }
  bool connected(const std::string& source) const override {
    absl::MutexLock lock(&mu_);
    return source == kRegistrySource ? registry_ : quota_;
  }

 private:
  mutable absl::Mutex mu_;
  bool registry_ ABSL_GUARDED_BY(mu_) = false;
  bool quota_ ABSL_GUARDED_BY(mu_) = false;
  grpc::HealthCheckServiceInterface* health_ ABSL_GUARDED_BY(mu_) = nullptr;
};

}  // namespace chitieu::reporting

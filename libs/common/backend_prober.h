#pragma once

// Health that reflects the backends a process depends on: every `interval`
// each backend's grpc.health.v1 is asked (health_client.h), and this
// process's health service answers SERVING under that backend's service
// name while it does. For load balancers and operators only: calls are
// never refused on a probe's word (the gateway's proxy judges by gRPC's own
// view of the channel).

#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include <map>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace chitieu {

class BackendProber {
 public:
  // `backends`: the service name each backend's health is published under,
  // and its channel.
  explicit BackendProber(std::map<std::string, std::shared_ptr<grpc::Channel>> backends,
                         absl::Duration interval = absl::Seconds(2), int probe_timeout_ms = 1000)
      : backends_(std::move(backends)), interval_(interval), timeout_ms_(probe_timeout_ms) {}
  ~BackendProber() { Stop(); }
  BackendProber(const BackendProber&) = delete;
  BackendProber& operator=(const BackendProber&) = delete;

  // Starts probing into `health` (not owned; it must outlive Stop). Once.
  void Start(grpc::HealthCheckServiceInterface* health);
  // Stops and joins the prober; a probe in flight ends within its timeout.
  void Stop();

 private:
  void Run(grpc::HealthCheckServiceInterface* health);

  const std::map<std::string, std::shared_ptr<grpc::Channel>> backends_;
  const absl::Duration interval_;
  const int timeout_ms_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace chitieu

#pragma once

// The gateway's grpc.health.v1 state: the whole gateway ("") and each
// proxied service's name, SERVING while its backend is (BackendProber sets
// them). The gateway answers Check and Watch itself, on its relay
// (local_call.h), with no health service of gRPC's: gRPC's runs on the
// callback API, whose threads would read the relay's connections
// (docs/PERFORMANCE.md).

#include <grpcpp/health_check_service_interface.h>

#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "libs/common/health_wire.h"
#include "services/gateway/local_call.h"

namespace chitieu::gateway {

class HealthState : public grpc::HealthCheckServiceInterface {
 public:
  // As gRPC's own: a service named once is known from then on.
  void SetServingStatus(const std::string& service_name, bool serving) override;
  // Every service known, "" among them.
  void SetServingStatus(bool serving) override;
  // Every service NOT_SERVING, and later changes ignored (shutting down).
  void Shutdown() override;

  // kServiceUnknown for a name never set.
  ServingStatus StatusOf(const std::string& service) const;
  // The status and whether health has shut down, read together.
  ServingStatus StatusOf(const std::string& service, bool* shut_down) const;

  // grpc.health.v1.Health's two methods, answered on the relay: Check, and
  // Watch, which sends the status, then each change within a second, and
  // ends once the gateway is shutting down.
  std::map<std::string, LocalMethod> Methods();

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, bool> serving_ ABSL_GUARDED_BY(mu_) = {{"", false}};
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace chitieu::gateway

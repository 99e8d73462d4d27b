#pragma once

// ResourceDirectory over the registry's and quota's gRPC APIs, asked as a
// service (the service secret, no principal), with a deadline per call.
// The gateway uses it whole; the quota service for what the registry owns.
//
// With a cache time, an enterprise's seat and a body's unit are remembered
// that long (the gateway: a district officer's every call would otherwise
// cost the registry a second read). A seat that moves is then seen late by
// this check only: each service runs the same policy over its own current
// data. Without one (the services), every answer is fresh.

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "chitieu/quota/v1/quota.grpc.pb.h"
#include "chitieu/registry/v1/registry.grpc.pb.h"
#include "libs/common/policy.h"
#include "libs/common/root_units.h"

namespace chitieu {

class RemoteDirectory : public ResourceDirectory {
 public:
  // `quota` may be null: then no target is found.
  RemoteDirectory(std::shared_ptr<grpc::Channel> registry, std::shared_ptr<grpc::Channel> quota,
                  int deadline_ms = 2000, absl::Duration cache_time = absl::ZeroDuration())
      : registry_(registry::v1::RegistryService::NewStub(std::move(registry))),
        quota_(quota ? quota::v1::QuotaService::NewStub(std::move(quota)) : nullptr),
        deadline_ms_(deadline_ms),
        cache_time_(cache_time) {}

  absl::StatusOr<std::string> ParentOf(const std::string& unit) override;
  // Remembered for the cache time too (a new province is rare).
  absl::StatusOr<std::vector<std::string>> Roots() override;
  absl::StatusOr<std::string> SeatOf(const std::string& enterprise) override;
  absl::StatusOr<std::string> UnitOfBody(const std::string& body) override;
  absl::StatusOr<std::string> AssignerOf(const std::string& target) override;

 private:
  struct Remembered {
    std::string value;
    absl::Time until;
  };
  // `fetch`'s answer for `key`, from the cache while it is fresh.
  absl::StatusOr<std::string> Cached(const std::string& key,
                                     const std::function<absl::StatusOr<std::string>()>& fetch);

  std::unique_ptr<registry::v1::RegistryService::Stub> registry_;
  std::unique_ptr<quota::v1::QuotaService::Stub> quota_;
  int deadline_ms_;
  const absl::Duration cache_time_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Remembered> cache_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> roots_ ABSL_GUARDED_BY(mu_);
  absl::Time roots_until_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace chitieu

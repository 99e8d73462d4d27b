#pragma once

// ResourceDirectory over the registry's and quota's gRPC APIs
// (peer_clients.h). The gateway uses it whole; the quota service for what
// the registry owns. A name either peer refuses as malformed is NOT_FOUND
// here (PeerStatusOptions::hide_invalid_argument), and a peer that cannot
// answer is UNAVAILABLE.
//
// With a cache time, an enterprise's seat and a body's unit are remembered
// that long (the gateway: a district officer's every call would otherwise
// cost the registry a second read). A seat that moves is then seen late by
// this check only: each service runs the same policy over its own current
// data. Without one (the services), every answer is fresh. Under
// RememberedOnly (policy.h) nothing is asked of a peer: what is not
// remembered fails UNAVAILABLE and counts a miss.

#include <functional>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/common/peer_clients.h"
#include "libs/common/policy.h"
#include "libs/common/root_units.h"

namespace chitieu {

class RemoteDirectory : public ResourceDirectory {
 public:
  // Neither client is owned; `quota` may be null: then no target is found.
  RemoteDirectory(RegistryClient* registry, QuotaClient* quota,
                  absl::Duration cache_time = absl::ZeroDuration())
      : registry_(registry), quota_(quota), cache_time_(cache_time) {}

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

  RegistryClient* registry_;
  QuotaClient* quota_;
  const absl::Duration cache_time_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Remembered> cache_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> roots_ ABSL_GUARDED_BY(mu_);
  absl::Time roots_until_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace chitieu

#pragma once

// A token bucket per principal: `per_second` calls a second on average,
// bursts up to `burst`. Overload is refused (RESOURCE_EXHAUSTED, HTTP 429)
// before it reaches a service. Thread-safe.

#include <functional>
#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace chitieu::gateway {

class RateLimiter {
 public:
  // `per_second` ≤ 0 disables the limit. `now` is injectable for tests.
  RateLimiter(
      double per_second, double burst, std::function<absl::Time()> now = [] { return absl::Now(); })
      : per_second_(per_second), burst_(burst), now_(std::move(now)) {}

  // True if `key` may make one more call now (and takes its token).
  bool Allow(const std::string& key) {
    if (per_second_ <= 0) return true;
    const absl::Time now = now_();
    absl::MutexLock lock(&mu_);
    auto [it, inserted] = buckets_.try_emplace(key, Bucket{burst_, now});
    Bucket& b = it->second;
    if (!inserted) {
      b.tokens = std::min(burst_, b.tokens + absl::ToDoubleSeconds(now - b.last) * per_second_);
      b.last = now;
    }
    if (b.tokens < 1.0) return false;
    b.tokens -= 1.0;
    return true;
  }

 private:
  struct Bucket {
    double tokens;
    absl::Time last;
  };
  const double per_second_;
  const double burst_;
  std::function<absl::Time()> now_;
  absl::Mutex mu_;
  std::map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace chitieu::gateway

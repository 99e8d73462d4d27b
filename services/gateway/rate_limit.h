#pragma once

// A token bucket per key (a principal; a client address for failed
// sign-ins): `per_second` tokens a second on average, bursts up to `burst`.
// Overload is refused (RESOURCE_EXHAUSTED, HTTP 429, with when to retry)
// before it reaches a service, never by holding the call. Thread-safe.

#include <algorithm>
#include <functional>
#include <iterator>
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

  // True if `key` may make `cost` more calls now (and takes their tokens):
  // a call that fans out into several costs as many.
  bool Allow(const std::string& key, double cost = 1.0) {
    if (per_second_ <= 0) {
      return true;
    }
    absl::MutexLock lock(&mu_);
    Bucket& b = Refilled(key);
    if (b.tokens < cost) {
      return false;
    }
    b.tokens -= cost;
    return true;
  }

  // True if `key` has no token left (takes none).
  bool Exhausted(const std::string& key) {
    if (per_second_ <= 0) {
      return false;
    }
    absl::MutexLock lock(&mu_);
    return Refilled(key).tokens < 1.0;
  }

  // Takes one token from `key` whether or not one is left (a failed
  // sign-in is charged after the fact).
  void Charge(const std::string& key) {
    if (per_second_ <= 0) {
      return;
    }
    absl::MutexLock lock(&mu_);
    Bucket& b = Refilled(key);
    b.tokens = std::max(b.tokens - 1.0, -1.0);
  }

  // How long until `key` has `cost` tokens again (zero if it has them).
  absl::Duration RetryAfter(const std::string& key, double cost = 1.0) {
    if (per_second_ <= 0) {
      return absl::ZeroDuration();
    }
    absl::MutexLock lock(&mu_);
    const double missing = cost - Refilled(key).tokens;
    return missing <= 0 ? absl::ZeroDuration() : absl::Seconds(missing / per_second_);
  }

 private:
  struct Bucket {
    double tokens;
    absl::Time last;
  };
  // `key`'s bucket, refilled to now. Past kMaxKeys buckets, the full ones
  // (idle keys) are forgotten; if most are still in use (many addresses at
  // once), all are, so the scan happens at most once per kMaxKeys new keys
  // and a stream of new keys cannot grow the map without bound.
  Bucket& Refilled(const std::string& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const absl::Time now = now_();
    if (buckets_.size() > kMaxKeys) {
      Forget(now);
      if (buckets_.size() > kMaxKeys / 2) {
        buckets_.clear();
      }
    }
    auto [it, inserted] = buckets_.try_emplace(key, Bucket{burst_, now});
    Bucket& b = it->second;
    if (!inserted) {
      b.tokens = std::min(burst_, b.tokens + absl::ToDoubleSeconds(now - b.last) * per_second_);
      b.last = now;
    }
    return b;
  }
  void Forget(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    for (auto it = buckets_.begin(); it != buckets_.end();) {
      const double tokens =
          it->second.tokens + absl::ToDoubleSeconds(now - it->second.last) * per_second_;
      it = tokens >= burst_ ? buckets_.erase(it) : std::next(it);
    }
  }
  static constexpr size_t kMaxKeys = 100000;
  const double per_second_;
  const double burst_;
  std::function<absl::Time()> now_;
  absl::Mutex mu_;
  std::map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace chitieu::gateway

#pragma once

// Prometheus text metrics (exposition format 0.0.4) for every service,
// served on --metrics_listen at GET /metrics:
//   chitieu_grpc_requests_total{method,code}       calls finished
//   chitieu_grpc_request_duration_seconds{method}  a latency histogram
// plus the gauges each service adds with AddGauge (feed positions, lag).
// Our own and small: Debian's prometheus-cpp-dev (1.0) would bring a
// registry and serializer for what is two families and a few gauges here.
// Recording is a mutex and a map lookup per call.

#include <array>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace chitieu {

// A sample's value as the exposition format writes it: a whole number
// whole ("2999999", never "3e+06"), else every significant digit.
std::string FormatSampleValue(double value);

class Metrics {
 public:
  static Metrics& Global();

  void RecordCall(const std::string& method, int code, double seconds);

  // A gauge family read at each scrape: `read` returns its samples, each a
  // label set ("source=\"registry\""; "" for none) and a value; a sample
  // it cannot read it leaves out.
  using GaugeSamples = std::vector<std::pair<std::string, double>>;
  void AddGauge(std::string name, std::string help, std::function<GaugeSamples()> read);

  std::string Render() const;

 private:
  static constexpr std::array<double, 10> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                      0.025,  0.05,  0.1,    0.5,   2.5};
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> buckets{};
    uint64_t count = 0;
    double sum = 0;
  };
  mutable absl::Mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Histogram> durations_ ABSL_GUARDED_BY(mu_);
  struct Gauge {
    std::string name;
    std::string help;
    std::function<GaugeSamples()> read;
  };
  std::vector<Gauge> gauges_ ABSL_GUARDED_BY(mu_);
};

// Exports chitieu_feed_last_sequence, the head of this service's change
// feed (feed lag = head − a reader's position).
void ExportFeedHead(std::function<absl::StatusOr<int64_t>()> last_sequence);

}  // namespace chitieu

// Recording calls and rendering Prometheus text (metrics.h).

#include "libs/common/metrics.h"

#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace chitieu {
Metrics& Metrics::Global() {
  static Metrics* metrics = new Metrics();
  return *metrics;
}

void Metrics::RecordCall(const std::string& method, int code, double seconds) {
  absl::MutexLock lock(&mu_);
  ++requests_[{method, code}];
  Histogram& h = durations_[method];
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      ++h.buckets[i];
    }
  }
  ++h.count;
  h.sum += seconds;
}

void Metrics::AddGauge(std::string name, std::string help, std::function<GaugeSamples()> read) {
  absl::MutexLock lock(&mu_);
  gauges_.push_back({std::move(name), std::move(help), std::move(read)});
}

std::string FormatSampleValue(double value) {
  // absl::StrAppend keeps six significant digits: a feed position of
  // 2,999,999 would read "3e+06". Whole numbers (positions, counts) are
  // written whole; others with every digit a double holds.
  if (std::isnan(value)) {
    return "NaN";
  }
  if (std::isinf(value)) {
    return value > 0 ? "+Inf" : "-Inf";
  }
  if (std::trunc(value) == value && std::fabs(value) < 9.007199254740992e15) {
    return absl::StrCat(static_cast<int64_t>(value));
  }
  return absl::StrFormat("%.17g", value);
}

std::string Metrics::Render() const {
  std::vector<Gauge> gauges;
  std::string out;
  {
    absl::MutexLock lock(&mu_);
    out +=
        "# HELP chitieu_grpc_requests_total gRPC calls finished, by method and status code.\n"
        "# TYPE chitieu_grpc_requests_total counter\n";
    for (const auto& [key, count] : requests_) {
      absl::StrAppend(&out, "chitieu_grpc_requests_total{method=\"", key.first, "\",code=\"",
                      absl::StatusCodeToString(static_cast<absl::StatusCode>(key.second)), "\"} ",
                      count, "\n");
    }
    out +=
        "# HELP chitieu_grpc_request_duration_seconds Time from a call's start to its status.\n"
        "# TYPE chitieu_grpc_request_duration_seconds histogram\n";
    for (const auto& [method, h] : durations_) {
      for (size_t i = 0; i < kBuckets.size(); ++i) {
        absl::StrAppend(&out, "chitieu_grpc_request_duration_seconds_bucket{method=\"", method,
                        "\",le=\"", kBuckets[i], "\"} ", h.buckets[i], "\n");
      }
      absl::StrAppend(&out, "chitieu_grpc_request_duration_seconds_bucket{method=\"", method,
                      "\",le=\"+Inf\"} ", h.count, "\n");
      absl::StrAppend(&out, "chitieu_grpc_request_duration_seconds_sum{method=\"", method, "\"} ",
                      absl::StrFormat("%.6f", h.sum), "\n");
      absl::StrAppend(&out, "chitieu_grpc_request_duration_seconds_count{method=\"", method, "\"} ",
                      h.count, "\n");
    }
    gauges = gauges_;
  }
  for (const Gauge& gauge : gauges) {  // Read outside the lock: a read may query a store.
    absl::StrAppend(&out, "# HELP ", gauge.name, " ", gauge.help, "\n# TYPE ", gauge.name,
                    " gauge\n");
    for (const auto& [labels, value] : gauge.read()) {
      absl::StrAppend(&out, gauge.name, labels.empty() ? "" : "{" + labels + "}", " ",
                      FormatSampleValue(value), "\n");
    }
  }
  return out;
}

void ExportFeedHead(std::function<absl::StatusOr<int64_t>()> last_sequence) {
  Metrics::Global().AddGauge("chitieu_feed_last_sequence",
                             "The newest sequence of this service's change feed.",
                             [last_sequence = std::move(last_sequence)]() -> Metrics::GaugeSamples {
                               auto last = last_sequence();
                               if (!last.ok()) {
                                 return {};
                               }
                               return {{"", static_cast<double>(*last)}};
                             });
}

}  // namespace chitieu

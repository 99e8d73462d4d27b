#include "libs/common/metrics.h"

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
    if (seconds <= kBuckets[i]) ++h.buckets[i];
  }
  ++h.count;
  h.sum += seconds;
}

void Metrics::AddCollector(std::function<void(std::string*)> collector) {
  absl::MutexLock lock(&mu_);
  collectors_.push_back(std::move(collector));
}

std::string Metrics::Render() const {
  std::vector<std::function<void(std::string*)>> collectors;
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
    collectors = collectors_;
  }
  for (const auto& collect : collectors) collect(&out);
  return out;
}

void ExportFeedHead(std::function<absl::StatusOr<int64_t>()> last_sequence) {
  Metrics::Global().AddCollector([last_sequence = std::move(last_sequence)](std::string* out) {
    auto last = last_sequence();
    if (!last.ok()) return;
    *out +=
        "# HELP chitieu_feed_last_sequence The newest sequence of this service's change feed.\n"
        "# TYPE chitieu_feed_last_sequence gauge\n";
    AppendGauge(out, "chitieu_feed_last_sequence", "", static_cast<double>(*last));
  });
}

void AppendGauge(std::string* out, const std::string& name, const std::string& labels,
                 double value) {
  absl::StrAppend(out, name, labels.empty() ? "" : "{" + labels + "}", " ", value, "\n");
}

}  // namespace chitieu

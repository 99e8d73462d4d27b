#include "bench/load.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"

namespace chitieu::bench {

std::string JsonQuoted(const std::string& text) { return nlohmann::json(text).dump(); }
namespace {

using Clock = std::chrono::steady_clock;

// Latencies of the counted window, and the calls still in flight.
class Recorder {
 public:
  Recorder(Clock::time_point count_from, Clock::time_point stop_at)
      : count_from_(count_from), stop_at_(stop_at) {}

  void Record(Clock::time_point started, const grpc::Status& s) {
    const Clock::time_point now = Clock::now();
    absl::MutexLock lock(&mu_);
    --in_flight_;
    if (started < count_from_ || now > stop_at_) {
      return;
    }
    if (s.ok()) {
      latencies_us_.push_back(std::chrono::duration<double, std::micro>(now - started).count());
    } else {
      if (errors_++ == 0) {
        first_error_ = absl::StrFormat("%d %s", s.error_code(), s.error_message());
      }
    }
  }
  void Started() {
    absl::MutexLock lock(&mu_);
    ++in_flight_;
  }
  int InFlight() {
    absl::MutexLock lock(&mu_);
    return in_flight_;
  }
  // Closed loop: a chain is done when an answer comes after its end.
  void ChainDone() {
    absl::MutexLock lock(&mu_);
    ++chains_done_;
  }
  void AwaitChainsDone(int chains) {
    absl::MutexLock lock(&mu_);
    struct Args {
      int* done;
      int chains;
    } args{&chains_done_, chains};
    mu_.Await(absl::Condition(
        +[](Args* a) { return *a->done >= a->chains; }, &args));
  }
  void AwaitIdle() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](int* n) { return *n == 0; }, &in_flight_));
  }
  void Summarise(LoadResult& r) {
    absl::MutexLock lock(&mu_);
    r.ok = latencies_us_.size();
    r.errors = errors_;
    r.first_error = first_error_;
    r.throughput = r.seconds > 0 ? r.ok / r.seconds : 0;
    r.p50_us = Percentile(latencies_us_, 0.50);
    r.p90_us = Percentile(latencies_us_, 0.90);
    r.p99_us = Percentile(latencies_us_, 0.99);
    r.max_us = Percentile(latencies_us_, 1.0);
  }

 private:
  const Clock::time_point count_from_, stop_at_;
  absl::Mutex mu_;
  std::vector<double> latencies_us_;
  int64_t errors_ = 0;
  std::string first_error_;
  int in_flight_ = 0;
  int chains_done_ = 0;
};

}  // namespace

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) {
    return 0;
  }
  const size_t k = std::min(values.size() - 1, static_cast<size_t>(p * values.size()));
  std::nth_element(values.begin(), values.begin() + k, values.end());
  return values[k];
}

long RssKb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      return std::stol(line.substr(6));
    }
  }
  return -1;
}

MemoryKb MemoryOf(pid_t pid) {
  MemoryKb m;
  std::ifstream rollup("/proc/" + std::to_string(pid) + "/smaps_rollup");
  std::string line;
  while (std::getline(rollup, line)) {  // "Rss:   25676 kB", after a header line.
    const size_t colon = line.find(':');
    if (colon == std::string::npos || line.find(" kB") == std::string::npos) {
      continue;
    }
    const std::string key = line.substr(0, colon);
    const long kb = std::strtol(line.c_str() + colon + 1, nullptr, 10);
    if (key == "Rss") {
      m.rss = kb;
    }
    if (key == "Pss") {
      m.pss = kb;
    }
    if (key == "Anonymous") {
      m.anon = kb;
    }
  }
  return m;
}

std::string LoadResult::Json() const {
  return absl::StrFormat(
      "{\"name\":\"%s\",\"mode\":\"%s\",\"concurrency\":%d,\"rate\":%.0f,\"seconds\":%.2f,"
      "\"ok\":%d,\"errors\":%d,\"throughput\":%.1f,\"p50_us\":%.1f,\"p90_us\":%.1f,"
      "\"p99_us\":%.1f,\"max_us\":%.1f%s}",
      name, mode, concurrency, rate, seconds, ok, errors, throughput, p50_us, p90_us, p99_us,
      max_us,
      first_error.empty() ? "" : absl::StrFormat(",\"first_error\":%s", JsonQuoted(first_error)));
}

LoadResult RunLoad(const std::string& name, const LoadOptions& options, const AsyncCall& call) {
  LoadResult result;
  result.name = name;
  result.mode = options.rate > 0 ? "open" : "closed";
  result.concurrency = options.concurrency;
  result.rate = options.rate;
  result.seconds = options.seconds;
  const Clock::time_point begin = Clock::now();
  const auto warmup = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(options.warmup_seconds));
  const auto length =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.seconds));
  const Clock::time_point count_from = begin + warmup, stop_at = count_from + length;
  Recorder recorder(count_from, stop_at);
  std::atomic<int64_t> next{0};

  if (options.rate <= 0) {
    // Closed loop: each answer starts the next call until the window ends.
    struct Chain {
      const AsyncCall* call;
      Recorder* recorder;
      std::atomic<int64_t>* next;
      Clock::time_point stop_at;
      int64_t max_calls;
      void Issue() {
        const Clock::time_point started = Clock::now();
        const int64_t i = next->fetch_add(1);
        if (started >= stop_at || (max_calls > 0 && i >= max_calls)) {
          recorder->ChainDone();
          return;
        }
        recorder->Started();
        (*call)(i, [this, started](const grpc::Status& s) {
          recorder->Record(started, s);
          Issue();
        });
      }
    };
    std::vector<std::unique_ptr<Chain>> chains;
    for (int c = 0; c < options.concurrency; ++c) {
      chains.push_back(
          std::make_unique<Chain>(Chain{&call, &recorder, &next, stop_at, options.max_calls}));
      chains.back()->Issue();
    }
    // Every chain ends at the clock or at max_calls; the last answer ends
    // the run.
    recorder.AwaitChainsDone(options.concurrency);
  } else {
    // Open loop: call i is due at begin + i / rate, whatever came back.
    const double period_s = 1.0 / options.rate;
    for (int64_t i = 0;; ++i) {
      const Clock::time_point due = begin + std::chrono::duration_cast<Clock::duration>(
                                                std::chrono::duration<double>(i * period_s));
      if (due >= stop_at) {
        break;
      }
      std::this_thread::sleep_until(due);
      if (recorder.InFlight() >= options.concurrency) {
        // More in flight than the cap: the server is not keeping up; count
        // the missed slot as an error rather than queue without bound.
        recorder.Started();
        recorder.Record(due, grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                          "client cap on calls in flight reached"));
        continue;
      }
      recorder.Started();
      call(i, [&recorder, due](const grpc::Status& s) { recorder.Record(due, s); });
    }
    recorder.AwaitIdle();
  }
  result.elapsed_seconds = std::chrono::duration<double>(Clock::now() - begin).count();
  recorder.Summarise(result);
  return result;
}

}  // namespace chitieu::bench

#pragma once

// The load generator of chitieu-bench: drives asynchronous calls (gRPC's
// callback API) closed-loop (a fixed number always in flight) or open-loop
// (a fixed arrival rate, latency counted from each call's scheduled start so
// that a slow server cannot hide its queueing), and summarises throughput
// and the latency distribution.

#include <grpcpp/grpcpp.h>
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace chitieu::bench {

// `text` as a JSON string, quotes and escapes included: error messages
// carry newlines and quotes (PostgreSQL's do).
std::string JsonQuoted(const std::string& text);

struct LoadOptions {
  // Calls in flight at once (closed loop); the cap on calls in flight (open
  // loop).
  int concurrency = 16;
  // Calls a second; 0 runs closed-loop.
  double rate = 0;
  double seconds = 5;
  // Calls answered in the first `warmup_seconds` are not counted.
  double warmup_seconds = 0.5;
  // Closed loop: stop after this many calls (0: only the clock stops it).
  int64_t max_calls = 0;
};

struct LoadResult {
  std::string name;
  std::string mode;  // "closed" or "open"
  int concurrency = 0;
  double rate = 0;
  int64_t ok = 0, errors = 0;
  std::string first_error;
  double seconds = 0;          // Of the counted window.
  double elapsed_seconds = 0;  // From the first call to the last answer.
  double throughput = 0;       // Answered OK a second.
  double p50_us = 0, p90_us = 0, p99_us = 0, max_us = 0;

  std::string Json() const;
};

// Starts call number `i`; calls `done` exactly once, from any thread, when
// it is answered.
using AsyncCall = std::function<void(int64_t i, std::function<void(const grpc::Status&)> done)>;

LoadResult RunLoad(const std::string& name, const LoadOptions& options, const AsyncCall& call);

// The p-th quantile (0..1) of `values` (nearest rank); 0 for none.
double Percentile(std::vector<double> values, double p);

// The resident memory of a process, in KiB (VmRSS); -1 if it is gone.
long RssKb(pid_t pid);

// A process's memory from /proc/PID/smaps_rollup, in KiB: resident, its
// proportional share (shared pages divided among their users), and its own
// anonymous memory (heap, stacks: what is not library code or files).
struct MemoryKb {
  long rss = -1, pss = -1, anon = -1;
};
MemoryKb MemoryOf(pid_t pid);

// Owns what one unary callback call needs; deleted when it is answered.
template <typename Request, typename Response>
struct UnaryCall {
  grpc::ClientContext context;
  Request request;
  Response response;
};

// Starts `method` (e.g. `&Stub::async_interface::GetEnterprise` through a
// lambda) for one UnaryCall that `fill` prepares, reporting to `done`.
template <typename Request, typename Response, typename Start, typename Fill>
void StartUnary(const Start& start, const Fill& fill,
                std::function<void(const grpc::Status&)> done) {
  auto* call = new UnaryCall<Request, Response>();
  fill(call->context, call->request);
  start(&call->context, &call->request, &call->response,
        [call, done = std::move(done)](grpc::Status s) {
          done(s);
          delete call;
        });
}

}  // namespace chitieu::bench

#include "bench/http_load.h"

#include <chrono>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "tests/support/raw_http.h"

namespace chitieu::bench {

using Clock = std::chrono::steady_clock;

LoadResult RunHttpLoad(const std::string& name, const HttpLoadOptions& options) {
  LoadResult result;
  result.name = name;
  result.mode = "closed";
  result.concurrency = options.connections;
  result.seconds = options.seconds;
  const std::string request = testing::RawGet(options.target, options.headers);
  const Clock::time_point begin = Clock::now();
  const Clock::time_point count_from =
      begin + std::chrono::duration_cast<Clock::duration>(
                  std::chrono::duration<double>(options.warmup_seconds));
  const Clock::time_point stop_at =
      count_from +
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.seconds));
  absl::Mutex mu;
  std::vector<double> latencies_us;
  int64_t errors = 0;
  int reconnects = 0;
  std::string first_error;
  std::vector<std::thread> threads;
  for (int c = 0; c < options.connections; ++c) {
    threads.emplace_back([&] {
      testing::RawHttpConnection connection(options.host, options.port);
      std::vector<double> mine;
      int64_t my_errors = 0;
      int my_first_status = 0;
      for (;;) {
        const Clock::time_point started = Clock::now();
        if (started >= stop_at) {
          break;
        }
        const int status = connection.Exchange(request, absl::Seconds(30)).status;
        const Clock::time_point now = Clock::now();
        if (started < count_from || now > stop_at) {
          continue;
        }
        if (status >= 200 && status < 300) {
          mine.push_back(std::chrono::duration<double, std::micro>(now - started).count());
        } else {
          if (my_errors++ == 0) {
            my_first_status = status;
          }
          if (status < 0) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
          }
        }
      }
      absl::MutexLock lock(&mu);
      latencies_us.insert(latencies_us.end(), mine.begin(), mine.end());
      if (errors == 0 && my_errors > 0) {
        first_error = absl::StrCat("HTTP status ", my_first_status);
      }
      errors += my_errors;
      reconnects += connection.reconnects();
    });
  }
  for (std::thread& t : threads) {
    t.join();
  }
  result.elapsed_seconds = std::chrono::duration<double>(Clock::now() - begin).count();
  result.ok = latencies_us.size();
  result.errors = errors;
  result.first_error = first_error;
  if (reconnects > 0) {
    absl::StrAppend(&result.first_error, result.first_error.empty() ? "" : "; ",
                    "connections closed by the server: ", reconnects);
  }
  result.throughput = result.seconds > 0 ? result.ok / result.seconds : 0;
  result.p50_us = Percentile(latencies_us, 0.50);
  result.p90_us = Percentile(latencies_us, 0.90);
  result.p99_us = Percentile(latencies_us, 0.99);
  result.max_us = Percentile(latencies_us, 1.0);
  return result;
}

}  // namespace chitieu::bench

#pragma once

// A few threads that run the work a thread which must not wait hands off:
// the gateway's relay threads (services/gateway/proxy.cc) give them the
// look-ups and audit writes that wait on a peer or a disk. Tasks run in the
// order they were given; Stop() runs every task already given, then joins.

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace chitieu {

class WorkerPool {
 public:
  // `max_queued`: how many tasks may wait for a thread (0: no bound).
  explicit WorkerPool(int threads, size_t max_queued = 0);
  ~WorkerPool() { Stop(); }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Runs `task` on one of the threads (after Stop(), on the caller's);
  // false, and `task` dropped, if `max_queued` tasks are waiting already.
  bool Run(std::function<void()> task);
  // The same, past `max_queued`: for the next step of work already taken.
  void RunEvenIfFull(std::function<void()> task);

  // Runs what was given, then joins the threads. Idempotent.
  void Stop();

 private:
  void Loop();
  bool Queue(std::function<void()> task, bool bounded);

  const size_t max_queued_;
  absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace chitieu

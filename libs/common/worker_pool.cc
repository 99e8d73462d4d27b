// The hand-off threads (worker_pool.h).

#include "libs/common/worker_pool.h"

#include <utility>

namespace chitieu {

WorkerPool::WorkerPool(int threads, size_t max_queued) : max_queued_(max_queued) {
  for (int i = 0; i < threads; ++i) {
    threads_.emplace_back([this] { Loop(); });
  }
}

bool WorkerPool::Run(std::function<void()> task) { return Queue(std::move(task), true); }

void WorkerPool::RunEvenIfFull(std::function<void()> task) { Queue(std::move(task), false); }

bool WorkerPool::Queue(std::function<void()> task, bool bounded) {
  {
    absl::MutexLock lock(&mu_);
    if (!stopping_) {
      if (bounded && max_queued_ > 0 && queue_.size() >= max_queued_) {
        return false;
      }
      queue_.push_back(std::move(task));
      return true;
    }
  }
  task();  // Stopped: nobody else would run it.
  return true;
}

void WorkerPool::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (auto& t : threads_) {
    if (t.joinable()) {
      t.join();
    }
  }
}

void WorkerPool::Loop() {
  while (true) {
    std::function<void()> task;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](WorkerPool* p)
               ABSL_EXCLUSIVE_LOCKS_REQUIRED(p->mu_) { return p->stopping_ || !p->queue_.empty(); },
          this));
      if (queue_.empty()) {
        return;  // Stopping, and nothing left to run.
      }
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();
  }
}

}  // namespace chitieu

// The hand-off threads: every task given runs, those given before Stop()
// included, and a task given after it runs on the caller's thread.

#include "libs/common/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>

#include "absl/synchronization/notification.h"

namespace chitieu {
namespace {

TEST(WorkerPool, StopRunsEveryTaskAlreadyGiven) {
  std::atomic<int> ran{0};
  absl::Notification release;
  WorkerPool pool(2);
  // Both threads held, so the rest wait in the queue when Stop() comes.
  for (int i = 0; i < 2; ++i) {
    pool.Run([&] {
      release.WaitForNotification();
      ++ran;
    });
  }
  for (int i = 0; i < 100; ++i) {
    pool.Run([&] { ++ran; });
  }
  std::thread stopper([&] { pool.Stop(); });
  // Stop() has begun once a task given now runs on this thread (until
  // then each probe waits in the queue like the others, and must run too).
  const std::thread::id me = std::this_thread::get_id();
  std::atomic<int> probes_run{0};
  int probes = 0;
  while (true) {
    auto here = std::make_shared<std::atomic<bool>>(false);
    ++probes;
    pool.Run([here, me, &probes_run] {
      ++probes_run;
      if (std::this_thread::get_id() == me) {
        *here = true;
      }
    });
    if (*here) {
      break;
    }
    std::this_thread::yield();
  }
  release.Notify();
  stopper.join();
  EXPECT_EQ(ran.load(), 102);
  EXPECT_EQ(probes_run.load(), probes);
}

TEST(WorkerPool, AfterStopATaskRunsOnTheCallersThread) {
  WorkerPool pool(1);
  pool.Stop();
  std::thread::id ran_on;
  pool.Run([&] { ran_on = std::this_thread::get_id(); });
  EXPECT_EQ(ran_on, std::this_thread::get_id());
}

}  // namespace
}  // namespace chitieu

// Where a handler runs: one at a time on the thread that got the call, the
// others on the handler pool, and none once the pool's queue is full (the
// call then gets UNAVAILABLE) — but a stream's next step always.

#include "libs/common/handler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/synchronization/notification.h"
#include "google/protobuf/empty.pb.h"
#include "libs/common/worker_pool.h"

namespace chitieu {
namespace {

TEST(RunHandler, OneRunsOnTheCallersThreadTheNextOnThePoolThenTheQueueIsFull) {
  WorkerPool pool(1, /*max_queued=*/1);
  SetHandlerPool(&pool);
  auto unset = absl::MakeCleanup([] { SetHandlerPool(nullptr); });

  // A first handler, on the thread that got its call, waits.
  absl::Notification first_started, release_first;
  std::thread::id first_ran_on;
  std::thread grpc_thread([&] {
    EXPECT_TRUE(RunHandler([&] {
      first_ran_on = std::this_thread::get_id();
      first_started.Notify();
      release_first.WaitForNotification();
    }));
  });
  first_started.WaitForNotification();
  EXPECT_EQ(first_ran_on, grpc_thread.get_id());

  // The next goes to the pool's one thread, and waits there.
  absl::Notification second_started, release_second;
  std::thread::id second_ran_on;
  const std::thread::id me = std::this_thread::get_id();
  EXPECT_TRUE(RunHandler([&] {
    second_ran_on = std::this_thread::get_id();
    second_started.Notify();
    if (second_ran_on != me) {  // Run here by mistake, it must not hang.
      release_second.WaitForNotification();
    }
  }));
  second_started.WaitForNotification();
  EXPECT_NE(second_ran_on, me);
  EXPECT_NE(second_ran_on, grpc_thread.get_id());

  // One more waits in the queue; the queue is then full.
  std::atomic<bool> third_ran{false}, fourth_ran{false};
  EXPECT_TRUE(RunHandler([&] { third_ran = true; }));
  EXPECT_FALSE(RunHandler([&] { fourth_ran = true; }));
  EXPECT_EQ(Busy().error_code(), grpc::StatusCode::UNAVAILABLE);

  // The next step of a call already taken is queued even so.
  std::atomic<bool> continued{false};
  ContinueHandler([&] { continued = true; });

  // Once the first has returned, a handler runs on its caller's thread again.
  release_first.Notify();
  grpc_thread.join();
  std::thread::id fifth_ran_on;
  EXPECT_TRUE(RunHandler([&] { fifth_ran_on = std::this_thread::get_id(); }));
  EXPECT_EQ(fifth_ran_on, me);

  release_second.Notify();
  pool.Stop();
  EXPECT_TRUE(third_ran);
  EXPECT_FALSE(fourth_ran);
  EXPECT_TRUE(continued);
}

// StartCall answers each call exactly once: admitted on a handler thread
// (inline, pooled or queued), or UNAVAILABLE at once when the queue is full.
TEST(StartCall, AnswersOnceAdmittedOrBusy) {
  WorkerPool pool(1, /*max_queued=*/1);
  SetHandlerPool(&pool);
  auto unset = absl::MakeCleanup([] { SetHandlerPool(nullptr); });
  grpc::CallbackServerContext context;
  const std::string method = "/chitieu.test.v1.Test/Call";
  google::protobuf::Empty request;

  // The one inline slot, then the pool's one thread, held.
  absl::Notification inline_started, release_inline, pooled_started, release_pooled;
  std::thread grpc_thread([&] {
    StartCall(&context, method, request, [&](absl::Status admitted) {
      EXPECT_TRUE(admitted.ok()) << admitted;
      inline_started.Notify();
      release_inline.WaitForNotification();
    });
  });
  inline_started.WaitForNotification();
  std::atomic<int> pooled_answers{0};
  StartCall(&context, method, request, [&](absl::Status admitted) {
    EXPECT_TRUE(admitted.ok()) << admitted;
    ++pooled_answers;
    pooled_started.Notify();
    release_pooled.WaitForNotification();
  });
  pooled_started.WaitForNotification();

  std::atomic<int> queued_answers{0};
  StartCall(&context, method, request, [&](absl::Status admitted) {
    EXPECT_TRUE(admitted.ok()) << admitted;
    ++queued_answers;
  });
  std::vector<absl::Status> busy;
  StartCall(&context, method, request, [&](absl::Status admitted) { busy.push_back(admitted); });
  ASSERT_EQ(busy.size(), 1u);  // Answered at once, on this thread.
  EXPECT_TRUE(absl::IsUnavailable(busy[0])) << busy[0];

  release_inline.Notify();
  release_pooled.Notify();
  grpc_thread.join();
  pool.Stop();
  EXPECT_EQ(pooled_answers, 1);
  EXPECT_EQ(queued_answers, 1);
  EXPECT_EQ(busy.size(), 1u);
}

TEST(RunHandler, WithoutAPoolRunsOnTheCallersThread) {
  std::thread::id ran_on;
  EXPECT_TRUE(RunHandler([&] { ran_on = std::this_thread::get_id(); }));
  EXPECT_EQ(ran_on, std::this_thread::get_id());
}

}  // namespace
}  // namespace chitieu

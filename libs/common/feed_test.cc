// A feed's reads of the store run where a call's handler does (one at a
// time on gRPC's thread, the rest on the handler pool), never under the
// reactor's lock: streams whose reads wait on the database hold no other
// call of the process, and a flood of new streams is refused like one of
// calls.

#include "libs/common/feed.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <vector>

#include "absl/synchronization/notification.h"
#include "chitieu/registry/v1/registry.grpc.pb.h"
#include "libs/common/handler.h"
#include "libs/common/worker_pool.h"
#include "tests/support/wait.h"

namespace chitieu {
namespace {

namespace pb = ::chitieu::registry::v1;

// StreamChanges over a store whose every read waits until released (a
// slow database); GetUnit answers at once.
class SlowFeedService : public pb::RegistryService::CallbackService {
 public:
  // What the stream's policy does: admit at once, wait until released (or
  // until the caller gives up), or refuse.
  enum class Policy { kAdmit, kWait, kRefuse };

  grpc::ServerWriteReactor<pb::StreamChangesResponse>* StreamChanges(
      grpc::CallbackServerContext* context, const pb::StreamChangesRequest* request) override {
    auto* reactor = StartFeed<pb::StreamChangesResponse>(
        absl::OkStatus(),
        [this, context, request]() -> absl::Status {
          ++admitting_;
          if (policy_ == Policy::kRefuse) {
            return absl::PermissionDeniedError("not yours");
          }
          if (policy_ == Policy::kWait) {
            while (!release_.WaitForNotificationWithTimeout(absl::Milliseconds(5)) &&
                   !context->IsCancelled()) {
            }
          }
          // The call's context and request are still there (ASan checks).
          return request->after_sequence() >= 0 && !context->peer().empty()
                     ? absl::OkStatus()
                     : absl::InternalError("no peer");
        },
        &notifier_,
        [this](int64_t, int) -> absl::StatusOr<std::vector<pb::StreamChangesResponse>> {
          ++reading_;
          release_.WaitForNotification();
          return std::vector<pb::StreamChangesResponse>();
        },
        request->after_sequence(), /*follow=*/false);
    ++returned_;
    return reactor;
  }

  grpc::ServerUnaryReactor* GetUnit(grpc::CallbackServerContext* context,
                                    const pb::GetUnitRequest* request, pb::Unit* unit) override {
    static const std::string kPath = "/chitieu.registry.v1.RegistryService/GetUnit";
    return Serve(context, kPath, *request, unit, [](const pb::GetUnitRequest& r) {
      pb::Unit u;
      u.set_name(r.name());
      return absl::StatusOr<pb::Unit>(u);
    });
  }

  void Release() {
    if (!release_.HasBeenNotified()) {
      release_.Notify();
    }
  }
  // Streams whose handler returned (one whose first read runs on gRPC's
  // thread returns when the read does).
  int returned() const { return returned_; }
  // Reads begun (each waits until released).
  int reading() const { return reading_; }
  // Policies asked.
  int admitting() const { return admitting_; }
  void set_policy(Policy policy) { policy_ = policy; }

 private:
  std::atomic<int> returned_{0}, reading_{0}, admitting_{0};
  std::atomic<Policy> policy_{Policy::kAdmit};
  ChangeNotifier notifier_;
  absl::Notification release_;
};

// Opens `n` StreamChanges with a deadline a minute away.
struct Streams {
  void Open(pb::RegistryService::Stub& stub, int n) {
    for (int i = 0; i < n; ++i) {
      contexts.push_back(std::make_unique<grpc::ClientContext>());
      contexts.back()->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
      readers.push_back(stub.StreamChanges(contexts.back().get(), pb::StreamChangesRequest()));
    }
  }
  // The i-th stream's end, after reading that it sends nothing.
  grpc::Status End(int i) {
    pb::StreamChangesResponse change;
    EXPECT_FALSE(readers[i]->Read(&change));
    return readers[i]->Finish();
  }
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<pb::StreamChangesResponse>>> readers;
};

// A SlowFeedService served on a free port, its handlers on a pool of
// `threads` threads and `queued` queued calls; all stopped and unset
// whatever a test's assertions do.
class FeedReactorTest : public ::testing::Test {
 protected:
  void Serve(int threads, size_t queued) {
    pool_ = std::make_unique<WorkerPool>(threads, queued);
    SetHandlerPool(pool_.get());
    int port = 0;
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = pb::RegistryService::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                                             grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    service_.Release();  // The server's shutdown waits for the streams.
    if (server_ != nullptr) {
      server_->Shutdown();
    }
    if (pool_ != nullptr) {
      pool_->Stop();
    }
    SetHandlerPool(nullptr);
  }

  // GetUnit of units/002, given 20 s: answered while streams wait.
  grpc::Status GetUnit() {
    pb::GetUnitRequest get;
    get.set_name("units/002");
    pb::Unit unit;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    grpc::Status got = stub_->GetUnit(&ctx, get, &unit);
    if (got.ok() && unit.name() != "units/002") {
      return grpc::Status(grpc::StatusCode::INTERNAL, "another unit: " + unit.name());
    }
    return got;
  }

  SlowFeedService service_;
  std::unique_ptr<WorkerPool> pool_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<pb::RegistryService::Stub> stub_;
};

TEST_F(FeedReactorTest, ReadsWaitingOnTheStoreHoldNoOtherCall) {
  // More threads than the streams below: a pool held whole by waiting
  // reads would hold the unary call too, as in a service.
  ASSERT_NO_FATAL_FAILURE(Serve(32, 64));

  // More streams than gRPC has callback threads (two here, at most 16),
  // each with its read waiting.
  constexpr int kStreams = 20;
  Streams streams;
  streams.Open(*stub_, kStreams);
  // A unary call is answered meanwhile (were the reads on gRPC's threads,
  // it would wait out its deadline).
  const grpc::Status got = GetUnit();
  EXPECT_TRUE(got.ok()) << got.error_message();

  // Half the callers give up while their reads wait: the others' calls go
  // on. That each cancelled stream is finished once its read ends is seen
  // only in TearDown: the server's shutdown waits for every stream (a
  // stream never finished hangs the test until ctest's timeout).
  for (int i = 0; i < kStreams / 2; ++i) {
    streams.contexts[i]->TryCancel();
  }
  const grpc::Status got_again = GetUnit();
  EXPECT_TRUE(got_again.ok()) << got_again.error_message();

  service_.Release();
  for (int i = 0; i < kStreams; ++i) {
    const grpc::Status finished = streams.End(i);  // An empty replay, then the end.
    if (i < kStreams / 2) {
      EXPECT_EQ(finished.error_code(), grpc::StatusCode::CANCELLED);
    } else {
      EXPECT_TRUE(finished.ok()) << finished.error_message();
    }
  }
}

// A new stream's first read is new work: when the handlers' queue is full
// the stream is refused UNAVAILABLE at once, like a new call.
TEST_F(FeedReactorTest, ANewStreamIsRefusedWhenTheQueueIsFull) {
  // One read runs on gRPC's thread, one on the pool's one thread, one
  // waits in the queue; the fourth stream finds it full.
  ASSERT_NO_FATAL_FAILURE(Serve(1, 1));

  constexpr int kStreams = 4;
  Streams streams;
  auto open = [&] { streams.Open(*stub_, 1); };
  // Each stream placed before the next comes: the first reading on gRPC's
  // thread (its handler has not returned), the second on the pool's
  // thread, the third queued, the fourth refused.
  open();
  ASSERT_TRUE(testing::WaitFor([&] { return service_.reading() == 1; }));
  open();
  ASSERT_TRUE(testing::WaitFor([&] { return service_.reading() == 2; }));
  open();
  ASSERT_TRUE(testing::WaitFor([&] { return service_.returned() == 2; }));
  open();
  ASSERT_TRUE(testing::WaitFor([&] { return service_.returned() == 3; }));
  EXPECT_EQ(service_.reading(), 2);
  // Refused at once: answered while the other three still wait.
  const grpc::Status busy = streams.End(3);
  EXPECT_EQ(busy.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(busy.error_message(), "the service is busy; retry later");
  service_.Release();
  for (int i = 0; i < kStreams - 1; ++i) {
    const grpc::Status finished = streams.End(i);  // An empty replay, then the end.
    EXPECT_TRUE(finished.ok()) << finished.error_message();
  }
}

// A stream's policy runs where its first read does: of policies waiting
// on a peer (the registry's roots, a slow directory) at most one holds a
// gRPC thread (RunHandler's lone handler there), the rest wait on the
// pool, and another call is answered meanwhile.
TEST_F(FeedReactorTest, PoliciesWaitingOnAPeerHoldNoOtherCall) {
  ASSERT_NO_FATAL_FAILURE(Serve(32, 64));
  service_.set_policy(SlowFeedService::Policy::kWait);
  constexpr int kStreams = 20;
  Streams streams;
  streams.Open(*stub_, kStreams);
  // Every policy waiting at once (on gRPC's threads, two would).
  ASSERT_TRUE(testing::WaitFor([&] { return service_.admitting() == kStreams; }));
  const grpc::Status got = GetUnit();
  EXPECT_TRUE(got.ok()) << got.error_message();
  EXPECT_EQ(service_.reading(), 0);  // No read before its stream is admitted.
  service_.Release();
  for (int i = 0; i < kStreams; ++i) {
    const grpc::Status finished = streams.End(i);
    EXPECT_TRUE(finished.ok()) << finished.error_message();
  }
  EXPECT_EQ(service_.admitting(), kStreams);
}

// A stream its policy refuses ends with the policy's answer and is never
// read.
TEST_F(FeedReactorTest, ARefusedStreamEndsBeforeAnyRead) {
  ASSERT_NO_FATAL_FAILURE(Serve(2, 8));
  service_.set_policy(SlowFeedService::Policy::kRefuse);
  Streams streams;
  streams.Open(*stub_, 3);
  for (int i = 0; i < 3; ++i) {
    const grpc::Status refused = streams.End(i);
    EXPECT_EQ(refused.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_EQ(refused.error_message(), "not yours");
  }
  EXPECT_EQ(service_.admitting(), 3);
  EXPECT_EQ(service_.reading(), 0);
}

// A caller that gives up while its stream's policy waits: the call is not
// finished (its context and request freed) under the policy, which still
// reads them, and it ends once the policy returns (TearDown's shutdown
// waits for every stream).
TEST_F(FeedReactorTest, AStreamCancelledWhileItsPolicyWaitsEnds) {
  // Four policies at once: one on gRPC's thread, three on the pool.
  ASSERT_NO_FATAL_FAILURE(Serve(4, 8));
  service_.set_policy(SlowFeedService::Policy::kWait);
  Streams streams;
  streams.Open(*stub_, 4);
  ASSERT_TRUE(testing::WaitFor([&] { return service_.admitting() == 4; }));
  for (auto& context : streams.contexts) {
    context->TryCancel();
  }
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(streams.End(i).error_code(), grpc::StatusCode::CANCELLED);
  }
}

}  // namespace
}  // namespace chitieu

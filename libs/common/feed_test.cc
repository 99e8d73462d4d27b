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
  grpc::ServerWriteReactor<pb::StreamChangesResponse>* StreamChanges(
      grpc::CallbackServerContext*, const pb::StreamChangesRequest* request) override {
    auto* reactor = StartFeed<pb::StreamChangesResponse>(
        absl::OkStatus(), &notifier_,
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

 private:
  std::atomic<int> returned_{0}, reading_{0};
  ChangeNotifier notifier_;
  absl::Notification release_;
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
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<pb::StreamChangesResponse>>> readers;
  for (int i = 0; i < kStreams; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    contexts.back()->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    readers.push_back(stub_->StreamChanges(contexts.back().get(), pb::StreamChangesRequest()));
  }
  // A unary call is answered meanwhile (were the reads on gRPC's threads,
  // it would wait out its deadline).
  pb::GetUnitRequest get;
  get.set_name("units/002");
  pb::Unit unit;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  const grpc::Status got = stub_->GetUnit(&ctx, get, &unit);
  EXPECT_TRUE(got.ok()) << got.error_message();
  EXPECT_EQ(unit.name(), "units/002");

  // Half the callers give up while their reads wait: the others' calls go
  // on. That each cancelled stream is finished once its read ends is seen
  // only in TearDown: the server's shutdown waits for every stream (a
  // stream never finished hangs the test until ctest's timeout).
  for (int i = 0; i < kStreams / 2; ++i) {
    contexts[i]->TryCancel();
  }
  pb::Unit again;
  grpc::ClientContext ctx2;
  ctx2.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  const grpc::Status got_again = stub_->GetUnit(&ctx2, get, &again);
  EXPECT_TRUE(got_again.ok()) << got_again.error_message();

  service_.Release();
  for (int i = 0; i < kStreams; ++i) {
    pb::StreamChangesResponse change;
    EXPECT_FALSE(readers[i]->Read(&change));  // An empty replay, then the end.
    const grpc::Status finished = readers[i]->Finish();
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
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<pb::StreamChangesResponse>>> readers;
  auto open = [&] {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    contexts.back()->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    readers.push_back(stub_->StreamChanges(contexts.back().get(), pb::StreamChangesRequest()));
  };
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
  pb::StreamChangesResponse change;
  EXPECT_FALSE(readers[3]->Read(&change));
  const grpc::Status busy = readers[3]->Finish();
  EXPECT_EQ(busy.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(busy.error_message(), "the service is busy; retry later");
  service_.Release();
  for (int i = 0; i < kStreams - 1; ++i) {
    EXPECT_FALSE(readers[i]->Read(&change));  // An empty replay, then the end.
    const grpc::Status finished = readers[i]->Finish();
    EXPECT_TRUE(finished.ok()) << finished.error_message();
  }
}

}  // namespace
}  // namespace chitieu

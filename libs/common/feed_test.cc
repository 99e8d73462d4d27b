// A feed's reads of the store run on the handler pool, not on gRPC's few
// callback threads: streams whose reads wait on the database hold no other
// call of the process.

#include "libs/common/feed.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/synchronization/notification.h"
#include "chitieu/registry/v1/registry.grpc.pb.h"
#include "libs/common/handler.h"
#include "libs/common/worker_pool.h"

namespace chitieu {
namespace {

namespace pb = ::chitieu::registry::v1;

// StreamChanges over a store whose every read waits until released (a
// slow database); GetUnit answers at once.
class SlowFeedService : public pb::RegistryService::CallbackService {
 public:
  grpc::ServerWriteReactor<pb::StreamChangesResponse>* StreamChanges(
      grpc::CallbackServerContext*, const pb::StreamChangesRequest* request) override {
    return StartFeed<pb::StreamChangesResponse>(
        absl::OkStatus(), &notifier_,
        [this](int64_t, int) -> absl::StatusOr<std::vector<pb::StreamChangesResponse>> {
          release_.WaitForNotification();
          return std::vector<pb::StreamChangesResponse>();
        },
        request->after_sequence(), /*follow=*/false);
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

  void Release() { release_.Notify(); }

 private:
  ChangeNotifier notifier_;
  absl::Notification release_;
};

TEST(FeedReactor, ReadsWaitingOnTheStoreHoldNoOtherCall) {
  // More threads than the streams below: a pool held whole by waiting
  // reads would hold the unary call too, as in a service.
  WorkerPool pool(32, /*max_queued=*/64);
  SetHandlerPool(&pool);
  // Whatever fails below, no later test finds this pool set.
  auto unset = absl::MakeCleanup([] { SetHandlerPool(nullptr); });
  SlowFeedService service;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  auto stub = pb::RegistryService::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));

  // More streams than gRPC has callback threads (two here, at most 16),
  // each with its read waiting.
  constexpr int kStreams = 20;
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<pb::StreamChangesResponse>>> readers;
  for (int i = 0; i < kStreams; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    contexts.back()->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    readers.push_back(stub->StreamChanges(contexts.back().get(), pb::StreamChangesRequest()));
  }
  // Release the reads whatever fails below: the server's shutdown waits
  // for the streams.
  auto release = absl::MakeCleanup([&] { service.Release(); });
  // A unary call is answered meanwhile (were the reads on gRPC's threads,
  // it would wait out its deadline).
  pb::GetUnitRequest get;
  get.set_name("units/002");
  pb::Unit unit;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  const grpc::Status got = stub->GetUnit(&ctx, get, &unit);
  EXPECT_TRUE(got.ok()) << got.error_message();
  EXPECT_EQ(unit.name(), "units/002");

  // Half the callers give up while their reads wait: the others' calls go
  // on, and each cancelled stream is finished once its read ends (the
  // server's shutdown below waits for every stream).
  for (int i = 0; i < kStreams / 2; ++i) {
    contexts[i]->TryCancel();
  }
  pb::Unit again;
  grpc::ClientContext ctx2;
  ctx2.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  const grpc::Status got_again = stub->GetUnit(&ctx2, get, &again);
  EXPECT_TRUE(got_again.ok()) << got_again.error_message();

  std::move(release).Invoke();
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
  server->Shutdown();
  pool.Stop();
}

}  // namespace
}  // namespace chitieu

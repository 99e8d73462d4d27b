// RemoteDirectory and the one inbound mapping (FromPeerStatus) against a
// real gRPC registry and quota in process, answering what each test sets.

#include "libs/common/remote_directory.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <string>

#include "absl/synchronization/mutex.h"
#include "libs/common/errors.h"
#include "libs/common/grpc_status.h"
#include "libs/common/peer_clients.h"

namespace chitieu {
namespace {

namespace reg = ::chitieu::registry::v1;
namespace quo = ::chitieu::quota::v1;

// A registry whose every answer is a status or a resource set by the test.
class ScriptedRegistry : public reg::RegistryService::CallbackService {
 public:
  void Answer(const std::string& name, grpc::Status status) {
    absl::MutexLock lock(&mu_);
    statuses_[name] = std::move(status);
  }
  int calls() const { return calls_.load(); }

  grpc::ServerUnaryReactor* GetUnit(grpc::CallbackServerContext* c, const reg::GetUnitRequest* r,
                                    reg::Unit* out) override {
    out->set_name(r->name());
    out->set_parent(r->name() == "units/01" ? "" : "units/01");
    return Finish(c, r->name());
  }
  grpc::ServerUnaryReactor* GetEnterprise(grpc::CallbackServerContext* c,
                                          const reg::GetEnterpriseRequest* r,
                                          reg::Enterprise* out) override {
    out->set_seat_unit("units/002");
    return Finish(c, r->name());
  }
  grpc::ServerUnaryReactor* GetBody(grpc::CallbackServerContext* c, const reg::GetBodyRequest* r,
                                    reg::Body* out) override {
    out->set_unit("units/003");
    return Finish(c, r->name());
  }
  grpc::ServerUnaryReactor* ListUnits(grpc::CallbackServerContext* c,
                                      const reg::ListUnitsRequest* r,
                                      reg::ListUnitsResponse* out) override {
    out->add_units()->set_name("units/01");
    return Finish(c, "list");
  }

 private:
  grpc::ServerUnaryReactor* Finish(grpc::CallbackServerContext* c, const std::string& name) {
    ++calls_;
    grpc::Status status = grpc::Status::OK;
    {
      absl::MutexLock lock(&mu_);
      if (auto it = statuses_.find(name); it != statuses_.end()) {
        status = it->second;
      }
    }
    auto* reactor = c->DefaultReactor();
    reactor->Finish(status);
    return reactor;
  }
  absl::Mutex mu_;
  std::map<std::string, grpc::Status> statuses_ ABSL_GUARDED_BY(mu_);
  std::atomic<int> calls_{0};
};

class ScriptedQuota : public quo::QuotaService::CallbackService {
 public:
  grpc::ServerUnaryReactor* GetTarget(grpc::CallbackServerContext* c,
                                      const quo::GetTargetRequest* r, quo::Target* out) override {
    out->set_assigner("units/01");
    auto* reactor = c->DefaultReactor();
    reactor->Finish(r->name() == "units/002/targets/9"
                        ? grpc::Status(grpc::StatusCode::NOT_FOUND, "no target 9")
                        : grpc::Status::OK);
    return reactor;
  }
};

class RemoteDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.RegisterService(&registry_);
    builder.RegisterService(&quota_);
    server_ = builder.BuildAndStart();
    channel_ = server_->InProcessChannel(grpc::ChannelArguments());
    registry_client_ = std::make_unique<RegistryClient>(channel_);
    quota_client_ = std::make_unique<QuotaClient>(channel_);
  }
  void TearDown() override { server_->Shutdown(); }

  ScriptedRegistry registry_;
  ScriptedQuota quota_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<RegistryClient> registry_client_;
  std::unique_ptr<QuotaClient> quota_client_;
};

TEST_F(RemoteDirectoryTest, AnswersFromThePeers) {
  RemoteDirectory directory(registry_client_.get(), quota_client_.get());
  EXPECT_EQ(*directory.ParentOf("units/002"), "units/01");
  EXPECT_EQ(*directory.SeatOf("enterprises/0100233488"), "units/002");
  EXPECT_EQ(*directory.UnitOfBody("bodies/hk-party"), "units/003");
  EXPECT_EQ(*directory.AssignerOf("units/002/targets/1"), "units/01");
  EXPECT_EQ(*directory.Roots(), std::vector<std::string>{"units/01"});
}

TEST_F(RemoteDirectoryTest, AMalformedNameIsNotFoundAndSaysNothingOfWhy) {
  registry_.Answer("enterprises/bad", grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                                   "name: the tax code's check digit is wrong"));
  RemoteDirectory directory(registry_client_.get(), quota_client_.get());
  auto got = directory.SeatOf("enterprises/bad");
  EXPECT_EQ(got.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(got.status().message(), "enterprises/bad");
  EXPECT_EQ(directory.AssignerOf("units/002/targets/9").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(RemoteDirectoryTest, APeerThatCannotAnswerIsUnavailable) {
  registry_.Answer("units/002", grpc::Status(grpc::StatusCode::INTERNAL, "disk on fire"));
  registry_.Answer("list", grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "slow"));
  RemoteDirectory directory(registry_client_.get(), nullptr);
  auto parent = directory.ParentOf("units/002");
  EXPECT_EQ(parent.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(parent.status().message(), "cannot check units/002: disk on fire");
  EXPECT_EQ(directory.Roots().status().code(), absl::StatusCode::kUnavailable);
  // Without a quota client no target exists.
  EXPECT_EQ(directory.AssignerOf("units/002/targets/1").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(RemoteDirectoryTest, RemembersSeatsButNotAbsences) {
  RemoteDirectory directory(registry_client_.get(), nullptr, absl::Minutes(1));
  ASSERT_TRUE(directory.SeatOf("enterprises/0100233488").ok());
  const int after_first = registry_.calls();
  ASSERT_TRUE(directory.SeatOf("enterprises/0100233488").ok());
  EXPECT_EQ(registry_.calls(), after_first);  // From the cache.
  registry_.Answer("enterprises/0100109106", grpc::Status(grpc::StatusCode::NOT_FOUND, "none"));
  EXPECT_FALSE(directory.SeatOf("enterprises/0100109106").ok());
  EXPECT_FALSE(directory.SeatOf("enterprises/0100109106").ok());
  EXPECT_EQ(registry_.calls(), after_first + 2);  // Asked again each time.
}

// Under RememberedOnly no peer is asked: what is remembered is answered,
// everything else misses (UNAVAILABLE, counted), whatever kind of look-up.
TEST_F(RemoteDirectoryTest, RememberedOnlyAsksNoPeer) {
  RemoteDirectory directory(registry_client_.get(), quota_client_.get(), absl::Minutes(1));
  ASSERT_TRUE(directory.SeatOf("enterprises/0100233488").ok());
  ASSERT_TRUE(directory.Roots().ok());
  const int before = registry_.calls();
  RememberedOnly remembered;
  EXPECT_EQ(directory.SeatOf("enterprises/0100233488").value_or(""), "units/002");
  EXPECT_EQ(directory.Roots().value_or(std::vector<std::string>{}),
            std::vector<std::string>{"units/01"});
  EXPECT_FALSE(remembered.missed());
  EXPECT_EQ(directory.SeatOf("enterprises/0100109106").status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_TRUE(remembered.missed());
  EXPECT_EQ(directory.UnitOfBody("bodies/hk-party").status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(directory.ParentOf("units/002").status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(directory.AssignerOf("units/002/targets/1").status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(registry_.calls(), before);
}

// Without a cache time nothing is remembered, so everything misses.
TEST_F(RemoteDirectoryTest, RememberedOnlyWithoutACacheMissesEverything) {
  RemoteDirectory directory(registry_client_.get(), nullptr);
  ASSERT_TRUE(directory.SeatOf("enterprises/0100233488").ok());
  RememberedOnly remembered;
  EXPECT_EQ(directory.SeatOf("enterprises/0100233488").status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_TRUE(remembered.missed());
}

TEST(FromPeerStatus, KeepsViolationsUnlessAskedToHideThem) {
  const grpc::Status bad = ToGrpcStatus(InvalidField("unit.parent", "must be units/{code}"));
  const absl::Status kept = FromPeerStatus(bad, {});
  EXPECT_EQ(kept.code(), absl::StatusCode::kInvalidArgument);
  ASSERT_EQ(GetFieldViolations(kept).size(), 1u);
  EXPECT_EQ(GetFieldViolations(kept)[0].first, "unit.parent");
  const absl::Status hidden =
      FromPeerStatus(bad, {.resource = "units/x", .hide_invalid_argument = true});
  EXPECT_EQ(hidden.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(hidden.message(), "units/x");
  EXPECT_TRUE(GetFieldViolations(hidden).empty());
}

TEST(FromPeerStatus, EveryOtherFailureIsUnavailable) {
  for (grpc::StatusCode code :
       {grpc::StatusCode::INTERNAL, grpc::StatusCode::DEADLINE_EXCEEDED,
        grpc::StatusCode::CANCELLED, grpc::StatusCode::PERMISSION_DENIED,
        grpc::StatusCode::UNAUTHENTICATED, grpc::StatusCode::RESOURCE_EXHAUSTED}) {
    const absl::Status s =
        FromPeerStatus(grpc::Status(code, "peer's own words"),
                       {.unavailable_message = "the registry cannot be reached"});
    EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << code;
    EXPECT_EQ(s.message(), "the registry cannot be reached");
  }
  EXPECT_TRUE(FromPeerStatus(grpc::Status::OK, {}).ok());
  EXPECT_EQ(
      FromPeerStatus(grpc::Status(grpc::StatusCode::NOT_FOUND, "units/9 not found"), {}).message(),
      "units/9 not found");
}

}  // namespace
}  // namespace chitieu

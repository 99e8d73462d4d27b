// The gateway's proxy in process, between a caller and a scripted registry
// on real gRPC servers: who the backend hears, what is refused before it is
// called, and what of the backend's answer comes back.

#include "services/gateway/proxy.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "chitieu/registry/v1/registry.grpc.pb.h"
#include "google/protobuf/descriptor.pb.h"
#include "libs/common/byte_buffer.h"
#include "libs/common/health_client.h"
#include "libs/common/health_wire.h"
#include "libs/common/principal.h"
#include "libs/common/server.h"
#include "libs/common/wire_fields.h"
#include "services/gateway/auth.h"
#include "services/gateway/health_state.h"
#include "services/gateway/reflection.h"
#include "tests/support/fake_resource_directory.h"
#include "tests/support/loopback_port.h"
#include "tests/support/service_process.h"
#include "tests/support/wait.h"

namespace chitieu::gateway {
namespace {

namespace reg = ::chitieu::registry::v1;

// A registry that remembers what each call carried and answers GetUnit
// with the principal it was told, or with the status a test set.
class EchoRegistry : public reg::RegistryService::CallbackService {
 public:
  grpc::ServerUnaryReactor* GetUnit(grpc::CallbackServerContext* c, const reg::GetUnitRequest* r,
                                    reg::Unit* out) override {
    ++calls;
    out->set_name(r->name());
    out->set_display_name(ClientMetadata(*c, kPrincipalMetadata));
    {
      absl::MutexLock lock(&mu);
      had_deadline = c->deadline() != std::chrono::system_clock::time_point::max();
      ++peers[c->peer()];
    }
    auto* reactor = c->DefaultReactor();
    reactor->Finish(r->name() == "units/404"
                        ? grpc::Status(grpc::StatusCode::NOT_FOUND, "units/404 not found")
                        : grpc::Status::OK);
    return reactor;
  }
  grpc::ServerUnaryReactor* GetEnterprise(grpc::CallbackServerContext* c,
                                          const reg::GetEnterpriseRequest* r,
                                          reg::Enterprise* out) override {
    ++calls;
    out->set_name(r->name());
    auto* reactor = c->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  grpc::ServerUnaryReactor* UpdateUnit(grpc::CallbackServerContext* c,
                                       const reg::UpdateUnitRequest* r, reg::Unit* out) override {
    ++calls;
    *out = r->unit();
    auto* reactor = c->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  std::atomic<int> calls{0};
  absl::Mutex mu;
  bool had_deadline ABSL_GUARDED_BY(mu) = false;
  // The connections GetUnit came on, and how many calls each.
  std::map<std::string, int> peers ABSL_GUARDED_BY(mu);
};

// A channel that gRPC's subchannel pool does not share with another made
// for the same target (as PeerChannels makes them).
std::shared_ptr<grpc::Channel> OwnChannel(const std::string& target, int n) {
  grpc::ChannelArguments args;
  args.SetInt("chitieu.test.connection", n);
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
}

class ProxyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The backend on a loopback port: the proxy watches a real channel's
    // state (Proxy::UpstreamFor), which an in-process channel has not.
    grpc::ServerBuilder backend_builder;
    int backend_port = 0;
    backend_builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                                     &backend_port);
    backend_builder.RegisterService(&backend_);
    backend_server_ = backend_builder.BuildAndStart();
    ASSERT_NE(backend_port, 0);

    std::ofstream(dir_.path() + "/keys")
        << Sha256Hex("k-hk") << " user:hk-officer district_officer units/002\n";
    AuthConfig auth;
    auth.api_keys_file = dir_.path() + "/keys";
    keys_ = std::make_unique<Authenticator>(auth);
    ASSERT_TRUE(keys_->Reload().ok());
    policy_ = std::make_unique<Policy>(&directory_);
    auto audit = AuditLog::Open(dir_.path() + "/audit.db");
    ASSERT_TRUE(audit.ok()) << audit.status();
    audit_ = std::move(*audit);

    // Three connections to the registry, as the gateway holds them
    // (--upstream_connections), one of which nothing answers: calls take
    // the other two in turn and never the refused one.
    const std::string backend = "127.0.0.1:" + std::to_string(backend_port);
    ASSERT_NE(unlistened_.port(), 0);
    refused_ = OwnChannel(unlistened_.address(), 0);
    ASSERT_TRUE(WaitForState(refused_.get(), GRPC_CHANNEL_TRANSIENT_FAILURE));
    live_ = {OwnChannel(backend, 1), OwnChannel(backend, 2)};
    ProxyConfig config;
    config.backends = {{"chitieu.registry.v1.RegistryService", {live_[0], refused_, live_[1]}}};
    config.keys = keys_.get();
    config.policy = policy_.get();
    config.audit = audit_.get();
    config.default_deadline_ms = 5000;
    // What the gateway answers itself: health, reflection, and a method
    // whose answer waits until the test lets it go.
    config.local_methods = health_.Methods();
    config.local_methods.merge(reflection_.Methods());
    LocalMethod slow;
    slow.waits = true;
    slow.answer = [this](grpc::ServerContextBase*, const std::string& request,
                         std::string* response) {
      slow_started_.Notify();
      slow_release_.WaitForNotification();
      *response = "answer to " + request;
      return grpc::Status::OK;
    };
    config.local_methods["/chitieu.test.Slow/Wait"] = std::move(slow);
    config.health = &health_;
    proxy_ = std::make_unique<Proxy>(config);
    // As RunServer builds it: no health or reflection of gRPC's own.
    grpc::ServerBuilder front_builder;
    ServeOnlyAsync(&front_builder, proxy_.get());
    front_server_ = front_builder.BuildAndStart();
    proxy_->Start();
    health_.SetServingStatus(true);
    health_.SetServingStatus("chitieu.test.Down", false);
    stub_ =
        reg::RegistryService::NewStub(front_server_->InProcessChannel(grpc::ChannelArguments()));
  }
  void TearDown() override {
    // A call left waiting on the registry (a test that failed) ends first.
    if (!directory_.peer_answers.HasBeenNotified()) {
      directory_.peer_answers.Notify();
    }
    if (pending_ != nullptr) {
      pending_->answered.WaitForNotification();
    }
    if (!slow_release_.HasBeenNotified()) {
      slow_release_.Notify();
    }
    front_server_->Shutdown();
    proxy_->Stop();
    backend_server_->Shutdown();
  }

  grpc::Status GetUnit(const std::string& name, const std::string& key, reg::Unit* out,
                       const std::string& forged_principal = "") {
    grpc::ClientContext ctx;
    if (!key.empty()) {
      ctx.AddMetadata("authorization", "Bearer " + key);
    }
    if (!forged_principal.empty()) {
      ctx.AddMetadata(kPrincipalMetadata, forged_principal);
      ctx.AddMetadata(kRoleMetadata, "city_admin");
      ctx.AddMetadata(kScopeMetadata, "units/01");
    }
    reg::GetUnitRequest r;
    r.set_name(name);
    return stub_->GetUnit(&ctx, r, out);
  }

  // A GetEnterprise by the district officer, in flight.
  struct Pending {
    grpc::ClientContext ctx;
    reg::GetEnterpriseRequest request;
    reg::Enterprise enterprise;
    grpc::Status status;
    absl::Notification answered;
  };
  // Starts one for `enterprise`, whose seat is not remembered, and returns
  // once its look-up waits for the registry (which answers when
  // `directory_.peer_answers` is notified); null if it never asks.
  Pending* StartGetEnterpriseWhileTheRegistryWaits(const std::string& enterprise) {
    directory_.seats_from_peer = true;
    pending_ = std::make_unique<Pending>();
    Pending* p = pending_.get();
    p->ctx.AddMetadata("authorization", "Bearer k-hk");
    p->ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    p->request.set_name(enterprise);
    stub_->async()->GetEnterprise(&p->ctx, &p->request, &p->enterprise, [p](grpc::Status s) {
      p->status = s;
      p->answered.Notify();
    });
    return directory_.peer_asked.WaitForNotificationWithTimeout(absl::Seconds(30)) ? p : nullptr;
  }

  static bool WaitForState(grpc::Channel* channel, grpc_connectivity_state wanted) {
    const auto deadline = std::chrono::system_clock::now() + std::chrono::seconds(30);
    for (;;) {
      const grpc_connectivity_state state = channel->GetState(/*try_to_connect=*/true);
      if (state == wanted) {
        return true;
      }
      if (!channel->WaitForStateChange(state, deadline)) {
        return false;
      }
    }
  }

  testing::TempDir dir_;
  // A port bound and never listened on: connections to it are refused.
  testing::LoopbackPort unlistened_{testing::LoopbackPort::Kind::kRefused};
  std::shared_ptr<grpc::Channel> refused_;
  std::vector<std::shared_ptr<grpc::Channel>> live_;
  EchoRegistry backend_;
  std::unique_ptr<grpc::Server> backend_server_, front_server_;
  HealthState health_;
  Reflection reflection_{{"chitieu.registry.v1.RegistryService"}};
  absl::Notification slow_started_, slow_release_;
  testing::FakeResourceDirectory directory_;
  std::unique_ptr<Authenticator> keys_;
  std::unique_ptr<Policy> policy_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<Proxy> proxy_;
  std::unique_ptr<reg::RegistryService::Stub> stub_;
  std::unique_ptr<Pending> pending_;
};

TEST_F(ProxyTest, TheBackendHearsTheAuthenticatedPrincipalNeverAForgedOne) {
  reg::Unit unit;
  const grpc::Status s = GetUnit("units/002", "k-hk", &unit, /*forged_principal=*/"user:mallory");
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(unit.name(), "units/002");
  EXPECT_EQ(unit.display_name(), "user:hk-officer");
  absl::MutexLock lock(&backend_.mu);
  EXPECT_TRUE(backend_.had_deadline);  // The default, as the caller set none.
}

TEST_F(ProxyTest, CallsTakeTheBackendsConnectionsInTurnSkippingOneThatIsDown) {
  for (const auto& channel : live_) {
    ASSERT_TRUE(WaitForState(channel.get(), GRPC_CHANNEL_READY));
  }
  for (int i = 0; i < 6; ++i) {
    reg::Unit unit;
    const grpc::Status s = GetUnit("units/002", "k-hk", &unit);
    ASSERT_TRUE(s.ok()) << i << ": " << s.error_message();
  }
  EXPECT_EQ(backend_.calls.load(), 6);
  EXPECT_EQ(refused_->GetState(/*try_to_connect=*/false), GRPC_CHANNEL_TRANSIENT_FAILURE);
  absl::MutexLock lock(&backend_.mu);
  // Both live connections, evenly: the call whose turn was the refused
  // one's took the next, and the turn moved past it.
  ASSERT_EQ(backend_.peers.size(), 2u);
  for (const auto& [peer, calls] : backend_.peers) {
    EXPECT_EQ(calls, 3) << peer;
  }
}

TEST_F(ProxyTest, RefusalsComeBeforeTheBackendIsCalled) {
  reg::Unit unit;
  EXPECT_EQ(GetUnit("units/002", "", &unit).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(GetUnit("units/002", "k-wrong", &unit).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  // A district officer may not change another district's unit.
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer k-hk");
  reg::UpdateUnitRequest update;
  update.mutable_unit()->set_name("units/001");
  update.mutable_unit()->set_display_name("Ba Đình");
  EXPECT_EQ(stub_->UpdateUnit(&ctx, update, &unit).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(backend_.calls.load(), 0);
}

TEST_F(ProxyTest, TheBackendsStatusComesBackAsItIs) {
  reg::Unit unit;
  const grpc::Status s = GetUnit("units/404", "k-hk", &unit);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(s.error_message(), "units/404 not found");
  EXPECT_EQ(backend_.calls.load(), 1);
}

// A district officer's call that needs an enterprise's seat, which is not
// remembered, waits for the registry on a worker thread: the one relay
// thread goes on serving meanwhile (a look-up on it would hold this test's
// second call until its deadline), and the first call is answered once
// the seat is known.
TEST_F(ProxyTest, ALookUpThatWaitsHoldsNoOtherCall) {
  Pending* waiting = StartGetEnterpriseWhileTheRegistryWaits("enterprises/0100000001");
  ASSERT_NE(waiting, nullptr);
  reg::Unit unit;
  grpc::ClientContext other;
  other.AddMetadata("authorization", "Bearer k-hk");
  other.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  reg::GetUnitRequest unit_request;
  unit_request.set_name("units/002");
  const grpc::Status s = stub_->GetUnit(&other, unit_request, &unit);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_FALSE(waiting->answered.HasBeenNotified());
  directory_.peer_answers.Notify();
  waiting->answered.WaitForNotification();
  ASSERT_TRUE(waiting->status.ok()) << waiting->status.error_message();
  EXPECT_EQ(waiting->enterprise.name(), "enterprises/0100000001");
}

// A refusal decided on a worker after the caller has gone is still
// audited: a caller cannot hide its attempts by cancelling while the
// gateway looks an enterprise up.
TEST_F(ProxyTest, ARefusalDecidedAfterTheCallerLeftIsAudited) {
  // Seated in units/001: not the officer's.
  Pending* leaving = StartGetEnterpriseWhileTheRegistryWaits("enterprises/0100000002");
  ASSERT_NE(leaving, nullptr);
  leaving->ctx.TryCancel();
  leaving->answered.WaitForNotification();
  EXPECT_EQ(leaving->status.error_code(), grpc::StatusCode::CANCELLED);
  directory_.peer_answers.Notify();
  std::vector<v1::AuditEntry> entries;
  EXPECT_TRUE(testing::WaitFor([&] {
    auto listed = audit_->List(0, 10, "user:hk-officer", "", "");
    entries = listed.ok() ? *listed : std::vector<v1::AuditEntry>{};
    return !entries.empty();
  }));
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].method(), "/chitieu.registry.v1.RegistryService/GetEnterprise");
  EXPECT_EQ(entries[0].outcome(), "PERMISSION_DENIED");
  EXPECT_EQ(backend_.calls.load(), 0);
}

// A call on a generic stream, each step waited for on a queue of its own.
class GenericStream {
 public:
  GenericStream(const std::shared_ptr<grpc::Channel>& channel, const std::string& method)
      : stub_(channel) {
    ctx_.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    call_ = stub_.PrepareCall(&ctx_, method, &cq_);
    call_->StartCall(this);
    Wait();
  }
  ~GenericStream() {
    ctx_.TryCancel();
    cq_.Shutdown();
    void* tag;
    bool ok;
    while (cq_.Next(&tag, &ok)) {
    }
  }
  bool Write(const std::string& bytes, bool last = false) {
    if (last) {
      call_->WriteLast(StringToByteBuffer(bytes), grpc::WriteOptions(), this);
    } else {
      call_->Write(StringToByteBuffer(bytes), this);
    }
    return Wait();
  }
  // The next message; false once the stream has ended.
  bool Read(std::string* bytes) {
    grpc::ByteBuffer buffer;
    call_->Read(&buffer, this);
    return Wait() && ByteBufferToString(buffer, bytes);
  }
  void Cancel() { ctx_.TryCancel(); }
  grpc::Status Finish() {
    grpc::Status status;
    call_->Finish(&status, this);
    Wait();
    return status;
  }

 private:
  bool Wait() {
    void* tag = nullptr;
    bool ok = false;
    return cq_.Next(&tag, &ok) && ok;
  }
  grpc::GenericStub stub_;
  grpc::ClientContext ctx_;
  grpc::CompletionQueue cq_;
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call_;
};

// The field `number` of a message's bytes (the first), or "".
std::string FieldOf(const std::string& message, int number) {
  auto fields = ReadWireFields(message);
  if (fields.ok()) {
    for (const auto& f : *fields) {
      if (f.number == number) {
        return f.length_delimited ? f.bytes : std::to_string(f.varint);
      }
    }
  }
  return "";
}

// Health is the gateway's own answer: no credential asked, no backend
// called; a service it never heard of is NOT_FOUND; a method no one
// serves is refused by the gateway itself.
TEST_F(ProxyTest, HealthAndUnknownMethodsAreTheGatewaysOwnAnswers) {
  auto channel = front_server_->InProcessChannel(grpc::ChannelArguments());
  EXPECT_TRUE(IsServing(channel, 5000));
  EXPECT_FALSE(IsServing(channel, 5000, "chitieu.test.Down"));
  health_.SetServingStatus("chitieu.test.Down", true);
  EXPECT_TRUE(IsServing(channel, 5000, "chitieu.test.Down"));
  {
    GenericStream check(channel, "/grpc.health.v1.Health/Check");
    check.Write(EncodeHealthCheckRequest("chitieu.test.Never"), /*last=*/true);
    std::string bytes;
    EXPECT_FALSE(check.Read(&bytes));
    EXPECT_EQ(check.Finish().error_code(), grpc::StatusCode::NOT_FOUND);
  }
  {
    // Bytes that are no HealthCheckRequest.
    GenericStream check(channel, "/grpc.health.v1.Health/Check");
    check.Write(std::string("\x0a\xff", 2), /*last=*/true);
    std::string bytes;
    EXPECT_FALSE(check.Read(&bytes));
    EXPECT_EQ(check.Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  }
  GenericStream unknown(channel, "/chitieu.nothing.v1.Nothing/Get");
  unknown.Write("", /*last=*/true);
  const grpc::Status status = unknown.Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "the gateway does not serve"));
  EXPECT_EQ(backend_.calls.load(), 0);
}

// A watch hears the status, then each change, and ends once the gateway
// shuts its health down.
TEST_F(ProxyTest, AHealthWatchHearsEachChangeAndEndsOnShutdown) {
  auto channel = front_server_->InProcessChannel(grpc::ChannelArguments());
  GenericStream watch(channel, "/grpc.health.v1.Health/Watch");
  ASSERT_TRUE(watch.Write(EncodeHealthCheckRequest("chitieu.test.Down"), /*last=*/true));
  std::string bytes;
  ASSERT_TRUE(watch.Read(&bytes));
  EXPECT_EQ(*DecodeHealthCheckResponse(bytes), ServingStatus::kNotServing);
  health_.SetServingStatus("chitieu.test.Down", true);
  ASSERT_TRUE(watch.Read(&bytes));
  EXPECT_EQ(*DecodeHealthCheckResponse(bytes), ServingStatus::kServing);
  health_.Shutdown();
  ASSERT_TRUE(watch.Read(&bytes));
  EXPECT_EQ(*DecodeHealthCheckResponse(bytes), ServingStatus::kNotServing);
  EXPECT_FALSE(watch.Read(&bytes));
  EXPECT_TRUE(watch.Finish().ok());
}

// A watch whose caller leaves while it sleeps ends at once (the server's
// shutdown in TearDown waits for every call), and a request larger than a
// name is refused before anything of it is kept.
TEST_F(ProxyTest, ALeftWatchEndsAndAnOversizedOneIsRefused) {
  auto channel = front_server_->InProcessChannel(grpc::ChannelArguments());
  {
    GenericStream watch(channel, "/grpc.health.v1.Health/Watch");
    ASSERT_TRUE(watch.Write(EncodeHealthCheckRequest(""), /*last=*/true));
    std::string bytes;
    ASSERT_TRUE(watch.Read(&bytes));
    watch.Cancel();
    EXPECT_FALSE(watch.Read(&bytes));
    EXPECT_EQ(watch.Finish().error_code(), grpc::StatusCode::CANCELLED);
  }
  GenericStream watch(channel, "/grpc.health.v1.Health/Watch");
  std::string big;
  AppendBytesField(2, std::string(64 << 10, 'x'), &big);  // An unknown field, 64 KiB.
  ASSERT_TRUE(watch.Write(big, /*last=*/true));
  std::string bytes;
  EXPECT_FALSE(watch.Read(&bytes));
  const grpc::Status status = watch.Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "larger than")) << status.error_message();
}

// Reflection lists what it was given and serves those services' files and
// their imports, nothing else of what the process links.
TEST_F(ProxyTest, ReflectionGivesTheServedFilesOnly) {
  auto channel = front_server_->InProcessChannel(grpc::ChannelArguments());
  GenericStream info(channel, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo");
  std::string request, response;
  AppendBytesField(7, "", &request);  // list_services
  ASSERT_TRUE(info.Write(request));
  ASSERT_TRUE(info.Read(&response));
  EXPECT_EQ(FieldOf(FieldOf(FieldOf(response, 6), 1), 1), "chitieu.registry.v1.RegistryService");
  // file_containing_symbol: registry.proto, then what it imports.
  request.clear();
  AppendBytesField(4, "chitieu.registry.v1.GetUnitRequest", &request);
  ASSERT_TRUE(info.Write(request));
  ASSERT_TRUE(info.Read(&response));
  auto files = ReadWireFields(FieldOf(response, 4));
  ASSERT_TRUE(files.ok());
  ASSERT_GE(files->size(), 2u);
  google::protobuf::FileDescriptorProto first;
  ASSERT_TRUE(first.ParseFromString((*files)[0].bytes));
  EXPECT_EQ(first.name(), "chitieu/registry/v1/registry.proto");
  // Linked in, but not a served service's: as if it did not exist.
  for (const auto& [field, name] :
       std::vector<std::pair<int, std::string>>{{3, "chitieu/gateway/v1/gateway.proto"},
                                                {4, "chitieu.gateway.v1.GatewayService"},
                                                {3, "../../etc/passwd"}}) {
    request.clear();
    AppendBytesField(field, name, &request);
    ASSERT_TRUE(info.Write(request));
    ASSERT_TRUE(info.Read(&response));
    EXPECT_EQ(FieldOf(FieldOf(response, 7), 1), "5") << name << absl::CHexEscape(response);
  }
  // Bytes that are no request end the stream.
  ASSERT_TRUE(info.Write(std::string("\x22\xff", 2)));
  EXPECT_FALSE(info.Read(&response));
  EXPECT_EQ(info.Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

// An answer that waits (on a disk or a peer) is made on a worker: the
// relay's thread goes on serving other calls meanwhile.
TEST_F(ProxyTest, AnOwnAnswerThatWaitsHoldsNoOtherCall) {
  auto channel = front_server_->InProcessChannel(grpc::ChannelArguments());
  GenericStream slow(channel, "/chitieu.test.Slow/Wait");
  ASSERT_TRUE(slow.Write("q", /*last=*/true));
  ASSERT_TRUE(slow_started_.WaitForNotificationWithTimeout(absl::Seconds(20)));
  reg::Unit unit;
  EXPECT_TRUE(GetUnit("units/002", "k-hk", &unit).ok());
  slow_release_.Notify();
  std::string bytes;
  ASSERT_TRUE(slow.Read(&bytes));
  EXPECT_EQ(bytes, "answer to q");
  EXPECT_TRUE(slow.Finish().ok());
}

// A caller that leaves while a worker makes its answer: the call ends once
// the worker is done with it (the server's shutdown in TearDown waits for
// every call).
TEST_F(ProxyTest, ACallerLeavingWhileAnAnswerIsMadeEndsTheCall) {
  auto channel = front_server_->InProcessChannel(grpc::ChannelArguments());
  GenericStream slow(channel, "/chitieu.test.Slow/Wait");
  ASSERT_TRUE(slow.Write("q", /*last=*/true));
  ASSERT_TRUE(slow_started_.WaitForNotificationWithTimeout(absl::Seconds(20)));
  slow.Cancel();
  EXPECT_EQ(slow.Finish().error_code(), grpc::StatusCode::CANCELLED);
  slow_release_.Notify();
  reg::Unit unit;
  EXPECT_TRUE(GetUnit("units/002", "k-hk", &unit).ok());
}

}  // namespace
}  // namespace chitieu::gateway

// The gateway's proxy in process, between a caller and a scripted registry
// on real gRPC servers: who the backend hears, what is refused before it is
// called, and what of the backend's answer comes back.

#include "services/gateway/proxy.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <string>

#include "absl/synchronization/mutex.h"
#include "chitieu/registry/v1/registry.grpc.pb.h"
#include "libs/common/principal.h"
#include "services/gateway/auth.h"
#include "tests/support/fake_resource_directory.h"
#include "tests/support/service_process.h"

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
    }
    auto* reactor = c->DefaultReactor();
    reactor->Finish(r->name() == "units/404"
                        ? grpc::Status(grpc::StatusCode::NOT_FOUND, "units/404 not found")
                        : grpc::Status::OK);
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
};

class ProxyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The backend on a loopback port: the proxy watches a real channel's
    // state (BackendReachable), which an in-process channel has not.
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

    ProxyConfig config;
    config.backends = {{"chitieu.registry.v1.RegistryService",
                        grpc::CreateChannel("127.0.0.1:" + std::to_string(backend_port),
                                            grpc::InsecureChannelCredentials())}};
    config.keys = keys_.get();
    config.policy = policy_.get();
    config.audit = audit_.get();
    config.default_deadline_ms = 5000;
    proxy_ = std::make_unique<Proxy>(config);
    grpc::ServerBuilder front_builder;
    front_builder.RegisterCallbackGenericService(proxy_.get());
    front_server_ = front_builder.BuildAndStart();
    stub_ =
        reg::RegistryService::NewStub(front_server_->InProcessChannel(grpc::ChannelArguments()));
  }
  void TearDown() override {
    front_server_->Shutdown();
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

  testing::TempDir dir_;
  EchoRegistry backend_;
  std::unique_ptr<grpc::Server> backend_server_, front_server_;
  testing::FakeResourceDirectory directory_;
  std::unique_ptr<Authenticator> keys_;
  std::unique_ptr<Policy> policy_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<Proxy> proxy_;
  std::unique_ptr<reg::RegistryService::Stub> stub_;
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

}  // namespace
}  // namespace chitieu::gateway

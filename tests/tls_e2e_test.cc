// End-to-end over TLS: callers reach the gateway over TLS on both of its
// listeners, and the gateway and the services talk mTLS with certificates
// from scripts/dev-certs. Plaintext callers, and callers without a
// certificate from the services' CA, are turned away.

#include <gtest/gtest.h>
#include <httplib.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "chitieu/registry/v1/registry.grpc.pb.h"
#include "chitieu/reporting/v1/reporting.grpc.pb.h"
#include "services/gateway/auth.h"
#include "tests/support/service_process.h"
#include "tests/support/stack.h"
#include "tests/support/wait.h"

namespace chitieu {
namespace {

namespace reg = ::chitieu::registry::v1;
using ::chitieu::testing::ServiceProcess;
using ::chitieu::testing::TempDir;

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class TlsE2ETest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    certs_ = dir_->path() + "/certs";
    ASSERT_EQ(
        std::system((std::string(CHITIEU_SOURCE_DIR) + "/scripts/dev-certs " + certs_).c_str()), 0);
    stack_ = new testing::Stack();
    ASSERT_TRUE(
        stack_->Start({{"k-city", "user:city", "city_admin", "units/01"}}, {.tls_certs = certs_}))
        << stack_->error();
    registry_ = &stack_->registry();
    quota_ = &stack_->quota();
    reporting_ = &stack_->reporting();
    gateway_ = &stack_->gateway();
    http_port_ = stack_->http_port();
  }
  static void TearDownTestSuite() {
    delete stack_;
    delete dir_;
  }

  static grpc::Status GetUnit(const std::shared_ptr<grpc::Channel>& channel, const char* key) {
    reg::GetUnitRequest r;
    r.set_name("units/002");
    reg::Unit out;
    grpc::ClientContext ctx;
    if (key != nullptr) {
      ctx.AddMetadata("authorization", std::string("Bearer ") + key);
    }
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    return reg::RegistryService::NewStub(channel)->GetUnit(&ctx, r, &out);
  }

  static TempDir* dir_;
  static testing::Stack* stack_;
  static std::string certs_;
  static ServiceProcess *registry_, *quota_, *reporting_, *gateway_;
  static int http_port_;
};

TempDir* TlsE2ETest::dir_ = nullptr;
testing::Stack* TlsE2ETest::stack_ = nullptr;
std::string TlsE2ETest::certs_;
ServiceProcess* TlsE2ETest::registry_ = nullptr;
ServiceProcess* TlsE2ETest::quota_ = nullptr;
ServiceProcess* TlsE2ETest::reporting_ = nullptr;
ServiceProcess* TlsE2ETest::gateway_ = nullptr;
int TlsE2ETest::http_port_ = 0;

TEST_F(TlsE2ETest, CallersReachTheGatewayOverTls) {
  grpc::Status through = GetUnit(gateway_->channel(), "k-city");
  EXPECT_TRUE(through.ok()) << through.error_message();
  EXPECT_EQ(GetUnit(gateway_->channel(), "wrong").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  // Plaintext to the TLS listener gets no answer.
  auto plain = grpc::CreateChannel(gateway_->address(), grpc::InsecureChannelCredentials());
  EXPECT_EQ(GetUnit(plain, "k-city").error_code(), grpc::StatusCode::UNAVAILABLE);

  // Reports go gateway → reporting over mTLS, and reporting followed the
  // registry's and quota's feeds over mTLS to build them.
  grpc::Status status;
  reporting::v1::Progress progress;
  testing::WaitFor([&] {
    reporting::v1::GetProgressRequest r;
    r.set_unit("units/002");
    r.set_year(2013);
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer k-city");
    status = reporting::v1::ReportingService::NewStub(gateway_->channel())
                 ->GetProgress(&ctx, r, &progress);
    return status.ok() && progress.indicators(0).target() == 6;
  });
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(progress.indicators(0).target(), 6);
}

TEST_F(TlsE2ETest, HttpsOnTheHttpListener) {
  httplib::SSLClient https("localhost", http_port_);
  https.set_ca_cert_path((certs_ + "/ca.pem").c_str());
  https.enable_server_certificate_verification(true);
  auto ok = https.Get("/v1/units/002", {{"Authorization", "Bearer k-city"}});
  ASSERT_TRUE(ok) << httplib::to_string(ok.error());
  EXPECT_EQ(ok->status, 200);
  EXPECT_NE(ok->body.find("Hoàn Kiếm"), std::string::npos) << ok->body;
  httplib::Client plain("127.0.0.1", http_port_);
  plain.set_read_timeout(5, 0);
  auto refused = plain.Get("/v1/units/002", {{"Authorization", "Bearer k-city"}});
  EXPECT_TRUE(!refused || refused->status >= 400);
}

TEST_F(TlsE2ETest, ServicesTakeOnlyPeersWithACertificateFromTheirCa) {
  // A service certificate is a trusted caller (the gateway, another service).
  EXPECT_TRUE(GetUnit(registry_->channel(), nullptr).ok());
  // No client certificate: the handshake fails.
  grpc::SslCredentialsOptions no_cert;
  no_cert.pem_root_certs = Read(certs_ + "/ca.pem");
  auto anonymous = grpc::CreateChannel(registry_->address(), grpc::SslCredentials(no_cert));
  EXPECT_EQ(GetUnit(anonymous, nullptr).error_code(), grpc::StatusCode::UNAVAILABLE);
  // A certificate from another CA: refused too.
  TempDir other;
  ASSERT_EQ(
      std::system((std::string(CHITIEU_SOURCE_DIR) + "/scripts/dev-certs " + other.path()).c_str()),
      0);
  grpc::SslCredentialsOptions stranger;
  stranger.pem_root_certs = Read(certs_ + "/ca.pem");
  stranger.pem_cert_chain = Read(other.path() + "/gateway.pem");
  stranger.pem_private_key = Read(other.path() + "/gateway.key");
  auto forged = grpc::CreateChannel(registry_->address(), grpc::SslCredentials(stranger));
  EXPECT_EQ(GetUnit(forged, nullptr).error_code(), grpc::StatusCode::UNAVAILABLE);
  // Plaintext: refused.
  auto plain = grpc::CreateChannel(registry_->address(), grpc::InsecureChannelCredentials());
  EXPECT_EQ(GetUnit(plain, nullptr).error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsE2ETest, ProbesCheckTheNameTheyAreGiven) {
  // As a Kubernetes probe does: dial 127.0.0.1 in the pod, verify the
  // certificate against the service's name (--peer_server_name).
  auto probe = [&](const std::string& name) {
    return testing::RunTool(
        "chitieu-probe",
        {"--addr=" + registry_->address(), "--peer_ca=" + certs_ + "/ca.pem",
         "--peer_cert=" + certs_ + "/quota.pem", "--peer_key=" + certs_ + "/quota.key",
         "--wait_ms=3000", "--peer_server_name=" + name},
        dir_->path() + "/probe.log");
  };
  EXPECT_EQ(probe("localhost"), 0);
  EXPECT_NE(probe("chitieu-elsewhere.example"), 0);
}

}  // namespace
}  // namespace chitieu

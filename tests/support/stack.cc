#include "tests/support/stack.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "chitieu/reporting/v1/reporting.grpc.pb.h"
#include "libs/common/principal.h"
#include "services/gateway/auth.h"
#include "tests/support/wait.h"

namespace chitieu::testing {

int Stack::metrics_port(const std::string& service) const {
  int port = 0;
  std::ifstream(dir_.path() + "/" + service + "/metrics_port") >> port;
  return port;
}

namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

bool Stack::Start(const std::vector<StackKey>& keys, const StackOptions& options) {
  const bool scenario = options.scenario;
  const std::string& certs = options.tls_certs;
  // mTLS credentials presenting quota's certificate: the test's own calls
  // to the services, and the seed's.
  std::shared_ptr<grpc::ChannelCredentials> service_credentials;
  std::vector<std::string> seed_tls;
  if (!certs.empty()) {
    grpc::SslCredentialsOptions o;
    o.pem_root_certs = ReadFile(certs + "/ca.pem");
    o.pem_cert_chain = ReadFile(certs + "/quota.pem");
    o.pem_private_key = ReadFile(certs + "/quota.key");
    service_credentials = grpc::SslCredentials(o);
    seed_tls = {"--peer_ca=" + certs + "/ca.pem", "--peer_cert=" + certs + "/quota.pem",
                "--peer_key=" + certs + "/quota.key"};
  }
  for (const char* s : {"registry", "quota", "reporting", "gateway"}) {
    std::filesystem::create_directories(dir_.path() + "/" + s);
  }
  {
    std::ofstream file(dir_.path() + "/keys");
    for (const StackKey& k : keys) {
      file << gateway::Sha256Hex(k.secret) << " " << k.principal << " " << k.role << " " << k.scope
           << "\n";
    }
  }
  const std::string secret =
      certs.empty() ? std::string("--service_secret=") + kServiceSecret : std::string();
  auto start = [&](std::unique_ptr<ServiceProcess>& p, const std::string& name,
                   std::vector<std::string> args) {
    if (!secret.empty()) {
      args.push_back(secret);
    }
    if (!certs.empty()) {
      args.push_back("--tls_cert=" + certs + "/" + name + ".pem");
      args.push_back("--tls_key=" + certs + "/" + name + ".key");
      args.push_back("--peer_ca=" + certs + "/ca.pem");
      if (name != "gateway") {
        args.push_back("--tls_client_ca=" + certs + "/ca.pem");
      }
    }
    args.push_back("--metrics_listen=127.0.0.1:0");
    args.push_back("--metrics_port_file=" + dir_.path() + "/" + name + "/metrics_port");
    p = std::make_unique<ServiceProcess>("chitieu-" + name, dir_.path() + "/" + name, args);
    if (!certs.empty()) {
      if (name == "gateway") {
        grpc::SslCredentialsOptions public_tls;
        public_tls.pem_root_certs = ReadFile(certs + "/ca.pem");
        p->set_credentials(grpc::SslCredentials(public_tls));
      } else {
        p->set_credentials(service_credentials);
      }
    }
    if (!p->Start()) {
      error_ = p->error();
      return false;
    }
    return true;
  };
  if (!start(registry_, "registry", {}) ||
      !start(quota_, "quota", {"--registry_addr=" + registry_->address()}) ||
      !start(reporting_, "reporting",
             [&] {
               std::vector<std::string> args = {"--registry_addr=" + registry_->address(),
                                                "--quota_addr=" + quota_->address()};
               args.insert(args.end(), options.reporting_args.begin(),
                           options.reporting_args.end());
               if (options.approvals) {
                 args.push_back("--report_acceptance");
               }
               return args;
             }()) ||
      !start(gateway_, "gateway", [&] {
        std::vector<std::string> args = {"--registry_addr=" + registry_->address(),
                                         "--quota_addr=" + quota_->address(),
                                         "--reporting_addr=" + reporting_->address(),
                                         "--api_keys=" + dir_.path() + "/keys",
                                         "--http_listen=127.0.0.1:0",
                                         "--http_port_file=" + dir_.path() + "/http_port"};
        args.insert(args.end(), options.gateway_args.begin(), options.gateway_args.end());
        return args;
      }())) {
    return false;
  }
  std::ifstream(dir_.path() + "/http_port") >> http_port_;
  std::vector<std::string> seed_args = {"--registry_addr=" + registry_->address(),
                                        "--quota_addr=" + quota_->address(),
                                        std::string("--scenario=") + (scenario ? "true" : "false")};
  if (options.approvals) {
    seed_args.push_back("--approvals");
    seed_args.push_back("--reporting_addr=" + reporting_->address());
  }
  if (!secret.empty()) {
    seed_args.push_back(secret);
  }
  seed_args.insert(seed_args.end(), seed_tls.begin(), seed_tls.end());
  if (RunTool("chitieu-seed", seed_args, dir_.path() + "/seed.log") != 0) {
    error_ = "the seed failed; see " + dir_.path() + "/seed.log";
    return false;
  }
  // Reporting follows the feeds: wait until it shows the seed's 2013 target.
  auto stub = reporting::v1::ReportingService::NewStub(reporting_->channel());
  const bool shown = WaitFor(
      [&] {
        reporting::v1::GetProgressRequest r;
        r.set_unit("units/002");
        r.set_year(2013);
        reporting::v1::Progress p;
        grpc::ClientContext ctx;
        ctx.AddMetadata(kServiceSecretMetadata, kServiceSecret);
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
        return stub->GetProgress(&ctx, r, &p).ok() && p.indicators_size() > 0 &&
               p.indicators(0).target() == 6 && (!scenario || p.indicators(0).achieved() == 7);
      },
      std::chrono::seconds(60));
  if (!shown) {
    error_ = "reporting did not show the seed within 60 s";
  }
  return shown;
}

}  // namespace chitieu::testing

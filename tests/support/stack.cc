#include "tests/support/stack.h"

#include <chrono>
#include <filesystem>
#include <fstream>
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

bool Stack::Start(const std::vector<StackKey>& keys, bool scenario,
                  const std::vector<std::string>& gateway_args) {
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
  const std::string secret = std::string("--service_secret=") + kServiceSecret;
  auto start = [&](std::unique_ptr<ServiceProcess>& p, const std::string& name,
                   std::vector<std::string> args) {
    args.push_back(secret);
    args.push_back("--metrics_listen=127.0.0.1:0");
    args.push_back("--metrics_port_file=" + dir_.path() + "/" + name + "/metrics_port");
    p = std::make_unique<ServiceProcess>("chitieu-" + name, dir_.path() + "/" + name, args);
    if (!p->Start()) {
      error_ = p->error();
      return false;
    }
    return true;
  };
  if (!start(registry_, "registry", {}) ||
      !start(quota_, "quota", {"--registry_addr=" + registry_->address()}) ||
      !start(reporting_, "reporting",
             {"--registry_addr=" + registry_->address(), "--quota_addr=" + quota_->address()}) ||
      !start(gateway_, "gateway", [&] {
        std::vector<std::string> args = {"--registry_addr=" + registry_->address(),
                                         "--quota_addr=" + quota_->address(),
                                         "--reporting_addr=" + reporting_->address(),
                                         "--api_keys=" + dir_.path() + "/keys",
                                         "--http_listen=127.0.0.1:0",
                                         "--http_port_file=" + dir_.path() + "/http_port"};
        args.insert(args.end(), gateway_args.begin(), gateway_args.end());
        return args;
      }())) {
    return false;
  }
  std::ifstream(dir_.path() + "/http_port") >> http_port_;
  if (RunTool("chitieu-seed",
              {"--registry_addr=" + registry_->address(), "--quota_addr=" + quota_->address(),
               std::string("--scenario=") + (scenario ? "true" : "false"), secret},
              dir_.path() + "/seed.log") != 0) {
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

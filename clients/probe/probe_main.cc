// chitieu-probe: exits 0 when a service answers grpc.health.v1 SERVING.
// For scripts, Docker HEALTHCHECK and Kubernetes exec probes.
//   chitieu-probe [--addr=127.0.0.1:7401] [--timeout_ms=1000] [--wait_ms=0]
// Without --addr it probes the service beside it: the port of
// CHITIEU_LISTEN (the service's own listen address, as its image and
// manifests set it) on loopback, so that a health check follows the
// service to whatever port it is given.

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "libs/common/channel.h"
#include "libs/common/health_client.h"

ABSL_FLAG(std::string, addr, "",
          "host:port of the service to probe (default: CHITIEU_LISTEN's port on loopback, "
          "else 127.0.0.1:7401)");
ABSL_FLAG(int, timeout_ms, 1000, "Deadline of one health check");
ABSL_FLAG(int, wait_ms, 0, "Keep probing until SERVING or this much time has passed");
ABSL_FLAG(std::string, service, "", "Health service name (\"\": the whole server)");

namespace {

// 127.0.0.1 and the port of CHITIEU_LISTEN ("0.0.0.0:7403", "[::]:7403"),
// or 127.0.0.1:7401 without one.
std::string ServiceBeside() {
  const char* listen = std::getenv("CHITIEU_LISTEN");
  const std::string value = listen == nullptr ? "" : listen;
  const size_t colon = value.rfind(':');
  if (colon == std::string::npos || colon + 1 == value.size()) {
    return "127.0.0.1:7401";
  }
  return "127.0.0.1" + value.substr(colon);
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("chitieu-probe: exit 0 when a service is SERVING");
  absl::ParseCommandLine(argc, argv);
  const std::string addr =
      absl::GetFlag(FLAGS_addr).empty() ? ServiceBeside() : absl::GetFlag(FLAGS_addr);
  auto channel = chitieu::PeerChannel(addr);
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(absl::GetFlag(FLAGS_wait_ms));
  do {
    if (chitieu::IsServing(channel, absl::GetFlag(FLAGS_timeout_ms),
                           absl::GetFlag(FLAGS_service))) {
      return 0;
    }
    // Each probe waits up to its timeout; pace retries of a refused
    // connection a little.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  } while (std::chrono::steady_clock::now() < deadline);
  std::cerr << "chitieu-probe: " << addr << " is not SERVING\n";
  return 1;
}

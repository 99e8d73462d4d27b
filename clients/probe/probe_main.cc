// chitieu-probe: exits 0 when a service answers grpc.health.v1 SERVING.
// For scripts, Docker HEALTHCHECK and Kubernetes exec probes.
//   chitieu-probe [--addr=127.0.0.1:7401] [--timeout_ms=1000] [--wait_ms=0]
// Without --addr it probes the service beside it, at CHITIEU_LISTEN (the
// service's own listen address, as its image and manifests set it; a
// wildcard host is probed on loopback), so that a health check follows
// the service to whatever port it is given; without either, 127.0.0.1:7401.

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "libs/common/channel.h"
#include "libs/common/health_client.h"

ABSL_FLAG(std::string, addr, "",
          "host:port of the service to probe (default: CHITIEU_LISTEN's port on loopback, "
          "else 127.0.0.1:7401)");
ABSL_FLAG(int, timeout_ms, 1000, "Deadline of one health check");
ABSL_FLAG(int, wait_ms, 0, "Keep probing until SERVING or this much time has passed");
ABSL_FLAG(std::string, service, "", "Health service name (\"\": the whole server)");

namespace {

// Where to probe a service listening on `listen` (CHITIEU_LISTEN): its port
// on loopback when it listens on every address ("0.0.0.0:7403",
// "[::]:7403", ":7403"; IPv4's, which works where IPv6 is off), else the address itself
// ("10.0.0.5:7403",
// "[::1]:7403", "unix:/run/chitieu.sock"); "" if it is not an address.
std::string ProbeAddressFor(const std::string& listen) {
  if (absl::StartsWith(listen, "unix:")) {
    return listen;
  }
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return "";
  }
  const std::string host = listen.substr(0, colon);
  const std::string port = listen.substr(colon + 1);
  int number = 0;
  if (port.empty() || port.size() > 5 || !absl::SimpleAtoi(port, &number) || number < 1 ||
      number > 65535 || port.find_first_not_of("0123456789") != std::string::npos) {
    return "";
  }
  if (host.empty() || host == "0.0.0.0") {
    return "127.0.0.1:" + port;
  }
  if (host == "[::]") {
    return "127.0.0.1:" + port;  // Listening on [::] takes IPv4 too.
  }
  const bool bracketed = host.front() == '[' && host.back() == ']';
  if (!bracketed && host.find(':') != std::string::npos) {
    return "";  // An IPv6 address must be in brackets.
  }
  return listen;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("chitieu-probe: exit 0 when a service is SERVING");
  absl::ParseCommandLine(argc, argv);
  std::string addr = absl::GetFlag(FLAGS_addr);
  if (addr.empty()) {
    const char* listen = std::getenv("CHITIEU_LISTEN");
    addr = listen == nullptr ? "127.0.0.1:7401" : ProbeAddressFor(listen);
    if (addr.empty()) {
      std::cerr << "chitieu-probe: CHITIEU_LISTEN is not host:port, [v6]:port or unix:path; "
                   "give --addr\n";
      return 2;
    }
  }
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

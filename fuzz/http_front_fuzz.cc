// libFuzzer target: the gateway's HTTP listener and handler, fed raw bytes
// over a real loopback connection — the request line, header names and
// values, framing (Content-Length, chunked, Expect) and body are all the
// fuzzer's. The listener is the gateway's own (HttpFront with its limits)
// in front of HttpGateway (routing, query and path decoding, JSON,
// metadata for the gRPC bridge); the bridge's channel leads to a socket
// nobody listens on, so every call that gets that far fails UNAVAILABLE
// after the request was built and its metadata set (where a raw header
// value once aborted the gateway). Each input is one connection: sent,
// half-closed, and read until the listener closes it.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "chitieu/gateway/v1/gateway.grpc.pb.h"
#include "chitieu/quota/v1/quota.grpc.pb.h"
#include "chitieu/registry/v1/registry.grpc.pb.h"
#include "chitieu/reporting/v1/reporting.grpc.pb.h"
#include "services/gateway/http_gateway.h"

namespace {

int ThePort() {
  static const int port = [] {
    auto built = chitieu::gateway::Transcoder::BuildPublic();
    if (!built.ok()) {
      std::abort();
    }
    auto* transcoder = new chitieu::gateway::Transcoder(std::move(*built));
    chitieu::gateway::HttpFrontOptions options;
    options.max_body_bytes = 65536;
    options.max_connections_per_address = 0;
    auto* gateway =
        new chitieu::gateway::HttpGateway(transcoder,
                                          grpc::CreateChannel("unix:/nonexistent/chitieu-fuzz.sock",
                                                              grpc::InsecureChannelCredentials()),
                                          options);
    const int p = gateway->Start("127.0.0.1:0");
    if (p <= 0) {
      std::abort();
    }
    return p;
  }();
  return port;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const int port = ThePort();
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int fd = -1;
  for (int attempt = 0; fd < 0; ++attempt) {
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      std::abort();
    }
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      // Interrupted by libFuzzer's timer signal: once more.
      if (errno != EINTR || attempt > 100) {
        std::abort();
      }
      close(fd);
      fd = -1;
    }
  }
  size_t sent = 0;
  while (sent < size) {
    const ssize_t n = send(fd, data + sent, size - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // The listener stopped reading (a limit): fine.
    sent += n;
  }
  shutdown(fd, SHUT_WR);
  // Until the listener closes the connection; a listener that keeps it
  // open past 10 s is libFuzzer's -timeout finding.
  char buffer[65536];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    const int ready = poll(&p, 1, 20000);
    if (ready < 0 && errno == EINTR) continue;  // libFuzzer's timer signal.
    if (ready <= 0) {
      std::abort();
    }
    const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) {
      break;
    }
  }
  close(fd);
  return 0;
}

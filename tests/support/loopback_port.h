#pragma once

// A TCP port of its own on 127.0.0.1, held until destroyed, for tests that
// need a peer no server answers or a listener of their own. Header-only:
// the unit tests in libs/ use it without linking tests/support.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

namespace chitieu::testing {

class LoopbackPort {
 public:
  // How a connection to the port fares.
  enum class Kind {
    // Bound, never listened on: refused at once.
    kRefused,
    // Listened on and never accepted by the test: the kernel completes the
    // TCP handshake and nothing answers after it (a peer stalled in its
    // handshake), or the test accepts on fd() itself.
    kListening,
  };

  explicit LoopbackPort(Kind kind) {
    // Not inherited by the services a test starts.
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        (kind == Kind::kListening && listen(fd_, 16) != 0) ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      return;
    }
    port_ = ntohs(address.sin_port);
  }
  ~LoopbackPort() {
    if (fd_ >= 0) {
      close(fd_);
    }
  }
  LoopbackPort(const LoopbackPort&) = delete;
  LoopbackPort& operator=(const LoopbackPort&) = delete;

  // 0 if the socket could not be made.
  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

}  // namespace chitieu::testing

#include "tests/support/fault_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace chitieu::testing {
namespace {

sockaddr_in Loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

// Writes all of `n` bytes; false if the peer is gone.
bool WriteAll(int fd, const char* data, ssize_t n) {
  while (n > 0) {
    const ssize_t w = send(fd, data, n, MSG_NOSIGNAL);
    if (w <= 0) {
      return false;
    }
    data += w;
    n -= w;
  }
  return true;
}

}  // namespace

FaultProxy::FaultProxy(int target_port) : target_port_(target_port) {
  if (listener_.port() != 0) {
    acceptor_ = std::thread([this] { Accept(); });
  }
}

FaultProxy::~FaultProxy() {
  stopping_ = true;
  if (acceptor_.joinable()) {
    acceptor_.join();
  }
  for (auto& t : threads_) {
    t.join();
  }
}

void FaultProxy::ResetAll() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& c : connections_) {
    c->reset = true;
  }
}

void FaultProxy::Accept() {
  while (!stopping_) {
    pollfd p{listener_.fd(), POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) {
      continue;
    }
    const int client = accept(listener_.fd(), nullptr, nullptr);
    if (client < 0) {
      continue;
    }
    const int upstream = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in target = Loopback(target_port_);
    if (upstream < 0 || connect(upstream, reinterpret_cast<sockaddr*>(&target), sizeof(target))) {
      close(client);
      if (upstream >= 0) {
        close(upstream);
      }
      continue;
    }
    auto c = std::make_shared<Connection>();
    c->client = client;
    c->upstream = upstream;
    std::lock_guard<std::mutex> lock(mu_);
    connections_.push_back(c);
    threads_.emplace_back([this, c] { Pump(c); });
  }
}

void FaultProxy::Pump(std::shared_ptr<Connection> c) {
  char buffer[16384];
  while (!stopping_ && !c->reset) {
    // Answers (upstream → client) wait while held.
    pollfd p[2] = {{c->client, POLLIN, 0}, {c->upstream, short(hold_ ? 0 : POLLIN), 0}};
    if (poll(p, 2, 20) <= 0) {
      continue;
    }
    bool open = true;
    for (int i = 0; i < 2 && open; ++i) {
      if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR))) {
        continue;
      }
      const ssize_t n = recv(p[i].fd, buffer, sizeof(buffer), 0);
      open = n > 0 && WriteAll(p[1 - i].fd, buffer, n);
    }
    if (!open) {
      break;
    }
  }
  if (c->reset) {
    // close() with a zero linger sends RST rather than FIN.
    const linger zero{1, 0};
    setsockopt(c->client, SOL_SOCKET, SO_LINGER, &zero, sizeof(zero));
    setsockopt(c->upstream, SOL_SOCKET, SO_LINGER, &zero, sizeof(zero));
  }
  close(c->client);
  close(c->upstream);
}

}  // namespace chitieu::testing

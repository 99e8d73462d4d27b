#pragma once

// A TCP proxy for tests that injects the failures a network causes between
// a client and a service: answers held back (a call's deadline expires
// after the service committed it) and connections reset mid-call. Bytes
// are forwarded unchanged; it knows nothing of HTTP/2.

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/loopback_port.h"

namespace chitieu::testing {

class FaultProxy {
 public:
  // Listens on a free port of 127.0.0.1 and forwards to 127.0.0.1:`port`.
  explicit FaultProxy(int target_port);
  ~FaultProxy();

  // 0 if it could not listen.
  int port() const { return listener_.port(); }
  std::string address() const { return listener_.address(); }

  // While held, nothing from the service reaches the client (it waits in
  // the proxy's socket buffers); released, it flows again.
  void HoldAnswers(bool hold) { hold_ = hold; }
  // Resets every open connection (RST to both sides).
  void ResetAll();

 private:
  struct Connection {
    int client = -1, upstream = -1;
    std::atomic<bool> reset{false};
  };
  void Accept();
  void Pump(std::shared_ptr<Connection> c);

  const int target_port_;
  LoopbackPort listener_{LoopbackPort::Kind::kListening};
  std::atomic<bool> stopping_{false}, hold_{false};
  std::mutex mu_;
  std::vector<std::shared_ptr<Connection>> connections_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

}  // namespace chitieu::testing

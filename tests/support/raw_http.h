#pragma once

// A bare HTTP/1.1 client over one TCP connection, for tests and benchmarks
// that must see exactly what goes over the wire: partial requests, bytes a
// library would refuse to send, a chosen source address (any 127.x.y.z),
// whether the server kept the connection open. No HTTP library, so that it
// shares nothing with the server it tests.

#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"

namespace chitieu::testing {

struct RawHttpAnswer {
  int status = -1;  // -1: no complete answer (closed, timed out, garbled).
  std::vector<std::pair<std::string, std::string>> headers;  // Names lower-cased.
  std::string body;
  bool closed = false;  // The server closed the connection after it.

  const std::string* Header(const std::string& lower_name) const;
};

class RawHttpConnection {
 public:
  // `source` binds the local end first (e.g. "127.0.0.2"); empty: any.
  RawHttpConnection(std::string host, int port, std::string source = "");
  ~RawHttpConnection();
  RawHttpConnection(const RawHttpConnection&) = delete;
  RawHttpConnection& operator=(const RawHttpConnection&) = delete;

  bool Connect();
  bool connected() const { return fd_ >= 0; }
  // Sends all of `bytes`; false if the connection is gone.
  bool Send(const std::string& bytes);
  // Reads one answer (Content-Length or chunked), waiting at most
  // `timeout` for each piece.
  RawHttpAnswer Read(absl::Duration timeout);
  // Connects if need be, sends `request` and reads its answer; after an
  // answer that closes the connection, the next Exchange reconnects.
  RawHttpAnswer Exchange(const std::string& request, absl::Duration timeout);
  // Whether the server ends the connection (end of stream or reset, with
  // no bytes before it) within `timeout`.
  bool ClosedByPeer(absl::Duration timeout);
  // Whether some bytes can be read within `timeout` (nothing is consumed).
  bool Readable(absl::Duration timeout);
  void Close();
  int reconnects() const { return reconnects_; }

 private:
  bool Fill(absl::Duration timeout);

  const std::string host_, source_;
  const int port_;
  int fd_ = -1;
  std::string buffer_;
  int reconnects_ = 0;
  bool ever_connected_ = false;
};

// "GET target HTTP/1.1" with a Host header, `headers` ("Name: value") and
// the blank line.
std::string RawGet(const std::string& target, const std::vector<std::string>& headers = {});

}  // namespace chitieu::testing

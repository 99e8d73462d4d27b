#pragma once

// The gateway's HTTP/1.1 listener, built for hostile traffic (Boost.Beast's
// parser and serializer over Boost.Asio, Debian's libboost-dev): a thread per
// connection, so a slow handler or a long stream holds only its own
// connection, and everything a connection may cost is bounded before it is
// spent:
//   - the request line and headers: `max_header_bytes` and `max_headers`
//     (431), read within `header_deadline` from their first byte (408);
//   - the body: `max_body_bytes` while it is read, chunked or not (413, and
//     nothing past the limit is kept), within `body_deadline` (408);
//   - bodies being read, together: `max_body_bytes_in_flight` (503);
//   - a new connection's first request must start within `header_deadline`,
//     an idle keep-alive connection is closed after `idle_timeout`;
//   - each write: `write_deadline` (a client that stops reading is dropped);
//   - connections: `max_connections` in all and `max_connections_per_address`
//     from one address (0: no limit); more are closed at once, unread. The
//     total is also kept within the process's open-files limit.
// Responses go out whole in one gathered write, on sockets with TCP_NODELAY,
// and connections stay open for as many requests as the client sends.
// Routing, JSON and gRPC are the handler's (http_gateway.h).

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace chitieu::gateway {

struct HttpFrontOptions {
  size_t max_body_bytes = 8 << 20;
  size_t max_header_bytes = 32 << 10;
  int max_headers = 100;
  absl::Duration header_deadline = absl::Seconds(10);
  absl::Duration body_deadline = absl::Seconds(60);
  absl::Duration idle_timeout = absl::Seconds(60);
  absl::Duration write_deadline = absl::Seconds(30);
  // Bodies being read, all connections together (reserved at their
  // declared length, or max_body_bytes when chunked); past it: 503.
  size_t max_body_bytes_in_flight = 256 << 20;
  int max_connections = 1024;
  int max_connections_per_address = 64;
  // PEM files; with both set the listener speaks HTTPS only.
  std::string tls_cert, tls_key;
};

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // As sent: path and query string.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string remote_address;  // The peer's IP address.

  // The first header of that name (case-insensitive), or nullptr.
  const std::string* Header(absl::string_view name) const;
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// How a handler answers: once with Send, or as a chunked stream
// (StartStream, Write..., EndStream). Write returns false once the client
// is gone or too slow; the handler should then stop.
class HttpResponder {
 public:
  virtual ~HttpResponder() = default;
  virtual void Send(int status, const std::string& content_type, std::string body,
                    const HttpHeaders& headers = {}) = 0;
  virtual bool StartStream(int status, const std::string& content_type,
                           const HttpHeaders& headers) = 0;
  virtual bool Write(const std::string& piece) = 0;
  virtual void EndStream() = 0;
};

using HttpHandler = std::function<void(const HttpRequest&, HttpResponder&)>;

class HttpFront {
 public:
  HttpFront(HttpFrontOptions options, HttpHandler handler);
  ~HttpFront();

  // Binds "host:port" (port 0: any free port) and accepts on a thread of
  // its own. Returns the bound port, or -1 (also if the certificate or key
  // cannot be loaded).
  int Start(const std::string& listen);
  // Stops accepting, closes every connection's socket, and waits until
  // every connection's thread has ended (a handler blocked elsewhere must
  // be released by its owner first: see HttpGateway::Stop).
  void Stop();

  // Connections open now (for tests and metrics).
  int connections() const;

  struct State;  // Shared with the connections' threads (http_front.cc).

 private:
  std::shared_ptr<State> state_;
};

}  // namespace chitieu::gateway

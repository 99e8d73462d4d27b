#pragma once

// One connection of the HTTP listener (http_front.h): reading each request
// within its bounds, answering it, and closing with a lingering drain after
// a refusal. Internal to http_front.cc; templates over a plain or a TLS
// stream, hence a header.

#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <map>
#include <set>
#include <type_traits>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "libs/common/log.h"
#include "services/gateway/http_front.h"

namespace chitieu::gateway::http_internal {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using ErrorCode = boost::system::error_code;

inline std::chrono::steady_clock::duration ToChrono(absl::Duration d) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      absl::ToChronoNanoseconds(d));
}

// Runs one asynchronous operation of a connection to its end on the
// connection's own io_context, cancelling it at the deadline (then the
// result is beast::error::timeout and the stream stays open, so that an
// answer such as 408 can still be written).
template <typename Stream, typename Start>
ErrorCode Await(net::io_context& ioc, Stream& stream, absl::Duration deadline, Start&& start,
                size_t* bytes = nullptr) {
  bool finished = false, timed_out = false;
  ErrorCode result;
  net::steady_timer timer(ioc);
  timer.expires_after(ToChrono(deadline));
  timer.async_wait([&](const ErrorCode& ec) {
    if (ec || finished) {
      return;
    }
    timed_out = true;
    ErrorCode ignored;
    beast::get_lowest_layer(stream).cancel(ignored);
  });
  start([&](const ErrorCode& ec, size_t n) {
    finished = true;
    result = ec;
    if (bytes != nullptr) {
      *bytes = n;
    }
    timer.cancel();
  });
  ioc.restart();
  ioc.run();
  return timed_out ? ErrorCode(beast::error::timeout) : result;
}

// google.rpc.Status JSON, for answers the listener gives itself.
inline std::string StatusBody(int code, const std::string& message) {
  std::string escaped;
  for (char c : message) {
    if (c == '"' || c == '\\') {
      escaped += '\\';
    }
    escaped += c;
  }
  return absl::StrCat("{\"code\":", code, ",\"message\":\"", escaped, "\",\"details\":[]}");
}

}  // namespace chitieu::gateway::http_internal

namespace chitieu::gateway {

// What the listener and its connections share.
struct HttpFront::State {
  using tcp = http_internal::tcp;
  HttpFrontOptions options;
  HttpHandler handler;
  std::unique_ptr<http_internal::net::ssl::context> tls;
  http_internal::net::io_context accept_context;
  tcp::acceptor acceptor{accept_context};
  std::thread accept_thread;

  absl::Mutex mu;
  bool stopping ABSL_GUARDED_BY(mu) = false;
  int open ABSL_GUARDED_BY(mu) = 0;
  std::map<std::string, int> per_address ABSL_GUARDED_BY(mu);
  std::set<int> sockets ABSL_GUARDED_BY(mu);  // Of open connections.
  size_t body_bytes ABSL_GUARDED_BY(mu) = 0;  // Reserved for bodies being read.
};

}  // namespace chitieu::gateway

namespace chitieu::gateway::http_internal {

using State = HttpFront::State;

// One connection's answers to its current request.
template <typename Stream>
class Responder : public HttpResponder {
 public:
  Responder(net::io_context& ioc, Stream& stream, const HttpFrontOptions& options, unsigned version,
            bool keep_alive)
      : ioc_(ioc),
        stream_(stream),
        options_(options),
        version_(version),
        keep_alive_(keep_alive && version >= 11) {}

  void Send(int status, const std::string& content_type, std::string body,
            const HttpHeaders& headers) override {
    if (started_) {
      return;
    }
    started_ = true;
    http::response<http::string_body> res{static_cast<http::status>(status), version_};
    if (!content_type.empty()) {  // None on an empty answer (204).
      res.set(http::field::content_type, content_type);
    }
    for (const auto& [name, value] : headers) {
      res.set(name, value);
    }
    res.keep_alive(keep_alive_);
    res.body() = std::move(body);
    res.prepare_payload();
    if (status == 204 || status == 304) {  // No body, and no Content-Length (RFC 9110).
      res.erase(http::field::content_length);
    }
    // Header and body in one gathered write.
    failed_ = Await(ioc_, stream_, options_.write_deadline, [&](auto done) {
                http::async_write(stream_, res, done);
              }).failed();
    ended_ = true;
  }

  bool StartStream(int status, const std::string& content_type,
                   const HttpHeaders& headers) override {
    if (started_) {
      return false;
    }
    started_ = true;
    http::response<http::empty_body> res{static_cast<http::status>(status), version_};
    res.set(http::field::content_type, content_type);
    for (const auto& [name, value] : headers) {
      res.set(name, value);
    }
    // HTTP/1.0 has no chunks: the stream ends when the connection does.
    if (version_ >= 11) {
      res.chunked(true);
    }
    res.keep_alive(keep_alive_);
    http::response_serializer<http::empty_body> serializer{res};
    failed_ = Await(ioc_, stream_, options_.write_deadline, [&](auto done) {
                http::async_write_header(stream_, serializer, done);
              }).failed();
    return !failed_;
  }

  bool Write(const std::string& piece) override {
    if (failed_ || !started_ || ended_) {
      return false;
    }
    if (piece.empty()) {
      return true;
    }
    failed_ = Await(ioc_, stream_, options_.write_deadline, [&](auto done) {
                if (version_ >= 11) {
                  net::async_write(stream_, http::make_chunk(net::buffer(piece)), done);
                } else {
                  net::async_write(stream_, net::buffer(piece), done);
                }
              }).failed();
    return !failed_;
  }

  void EndStream() override {
    if (failed_ || !started_ || ended_) {
      return;
    }
    ended_ = true;
    if (version_ < 11) {
      return;
    }
    failed_ = Await(ioc_, stream_, options_.write_deadline, [&](auto done) {
                net::async_write(stream_, http::make_chunk_last(), done);
              }).failed();
  }

  bool started() const { return started_; }
  // Whether the connection may carry the next request.
  bool reusable() const { return started_ && ended_ && !failed_ && keep_alive_; }

 private:
  net::io_context& ioc_;
  Stream& stream_;
  const HttpFrontOptions& options_;
  const unsigned version_;
  const bool keep_alive_;
  bool started_ = false, ended_ = false, failed_ = false;
};

template <typename Stream>
class Connection {
 public:
  Connection(State& state, net::io_context& ioc, Stream& stream, std::string address)
      : state_(state),
        options_(state.options),
        ioc_(ioc),
        stream_(stream),
        address_(std::move(address)),
        buffer_(options_.max_header_bytes + (64 << 10)) {}

  void Serve() {
    for (bool first = true;; first = false) {
      // Waiting for a request: an idle connection is closed quietly. A new
      // connection must start its first request within the header
      // deadline (a silent one holds a slot no longer than that).
      if (buffer_.size() == 0) {
        size_t n = 0;
        const ErrorCode ec = Await(
            ioc_, stream_, first ? options_.header_deadline : options_.idle_timeout,
            [&](auto done) { stream_.async_read_some(buffer_.prepare(16 << 10), done); }, &n);
        if (ec) {
          return;
        }
        buffer_.commit(n);
      }
      if (!ServeOne()) {
        return;
      }
    }
  }

 private:
  // One request; false when the connection is to be closed.
  bool ServeOne() {
    http::request_parser<http::empty_body> head;
    head.header_limit(static_cast<std::uint32_t>(options_.max_header_bytes));
    head.body_limit(options_.max_body_bytes);  // A declared length past it fails here.
    ErrorCode ec = Await(ioc_, stream_, options_.header_deadline,
                         [&](auto done) { http::async_read_header(stream_, buffer_, head, done); });
    if (ec == http::error::header_limit) {
      return Refuse(431, 3,
                    absl::StrCat("the request line and headers exceed ", options_.max_header_bytes,
                                 " bytes"));
    }
    if (ec == http::error::body_limit) {
      return TooLarge();
    }
    if (ec == beast::error::timeout) {
      return Refuse(408, 4,
                    absl::StrCat("the request's headers did not arrive within ",
                                 absl::FormatDuration(options_.header_deadline)));
    }
    if (ec == http::error::end_of_stream || ec == net::error::eof ||
        ec == net::error::connection_reset || ec == net::error::operation_aborted) {
      return false;
    }
    if (ec) {
      return Refuse(400, 3, "malformed HTTP request");
    }
    const auto& header = head.get();
    int count = 0;
    for (auto it = header.begin(); it != header.end(); ++it) {
      ++count;
    }
    if (count > options_.max_headers) {
      return Refuse(431, 3, absl::StrCat("more than ", options_.max_headers, " headers"));
    }
    if (const auto length = head.content_length();
        length.has_value() && *length > options_.max_body_bytes) {
      return TooLarge();
    }
    const bool has_body = head.content_length().value_or(0) > 0 || head.chunked();
    // Bodies being received, all connections together, stay under a
    // budget: what a body may cost is reserved before it is read.
    const size_t reserved =
        has_body ? static_cast<size_t>(head.content_length().value_or(options_.max_body_bytes)) : 0;
    if (!Reserve(reserved)) {
      return Refuse(503, 14, "the gateway is receiving too many request bodies; retry",
                    {{"Retry-After", "1"}});
    }
    absl::Cleanup release = [&] { Release(reserved); };
    if (has_body &&
        absl::AsciiStrToLower(std::string(header[http::field::expect])) == "100-continue") {
      http::response<http::empty_body> go_on{http::status::continue_, header.version()};
      if (Await(ioc_, stream_, options_.write_deadline,
                [&](auto done) { http::async_write(stream_, go_on, done); })) {
        return false;
      }
    }
    // The request as its header says, before the body is read: fields in
    // a chunked body's trailer are not headers (they would escape the
    // header limits), and are dropped.
    HttpRequest request;
    request.method = std::string(header.method_string());
    request.target = std::string(header.target());
    for (const auto& field : header) {
      request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    request.remote_address = address_;
    const unsigned version = header.version();
    bool keep_alive = header.keep_alive();
    http::request_parser<http::string_body> parser(std::move(head));
    parser.body_limit(options_.max_body_bytes);
    if (has_body) {
      ec = Await(ioc_, stream_, options_.body_deadline,
                 [&](auto done) { http::async_read(stream_, buffer_, parser, done); });
    } else {
      // A request with no body is complete with its header.
      ec = {};
    }
    if (ec == http::error::body_limit) {
      return TooLarge();
    }
    if (ec == beast::error::timeout) {
      return Refuse(408, 4,
                    absl::StrCat("the request body did not arrive within ",
                                 absl::FormatDuration(options_.body_deadline)));
    }
    if (ec) {
      return Refuse(400, 3, "malformed HTTP request body");
    }
    request.body = std::move(parser.get().body());
    {
      absl::MutexLock lock(&state_.mu);
      if (state_.stopping) {
        keep_alive = false;
      }
    }
    Responder<Stream> responder(ioc_, stream_, options_, version, keep_alive);
    state_.handler(request, responder);
    if (!responder.started()) {
      responder.Send(500, "application/json", StatusBody(13, "no answer"), {});
    }
    return responder.reusable();
  }

  bool TooLarge() {
    return Refuse(
        413, 3,
        absl::StrCat("the request body is larger than ", options_.max_body_bytes, " bytes"));
  }

  // Answers a request the listener will not pass on, and ends the
  // connection (what is left of the request is not read).
  bool Refuse(int status, int code, const std::string& message, const HttpHeaders& headers = {}) {
    Responder<Stream> responder(ioc_, stream_, options_, 11, /*keep_alive=*/false);
    responder.Send(status, "application/json", StatusBody(code, message), headers);
    // A lingering close: closing with the rest of the request unread would
    // make the system reset the connection, and a client still sending
    // would lose the answer. Our side is done; what else arrives for a
    // moment (up to 1 MiB) is read and dropped.
    if constexpr (std::is_same_v<Stream, tcp::socket>) {
      ErrorCode ignored;
      stream_.shutdown(tcp::socket::shutdown_send, ignored);
      size_t drained = 0, n = 0;
      const absl::Time until = absl::Now() + absl::Seconds(1);
      while (drained < (1 << 20) && absl::Now() < until &&
             !Await(
                 ioc_, stream_, until - absl::Now(),
                 [&](auto done) {
                   stream_.async_read_some(net::buffer(drain_, sizeof(drain_)), done);
                 },
                 &n)) {
        drained += n;
      }
    }
    return false;
  }

  bool Reserve(size_t bytes) {
    if (bytes == 0) {
      return true;
    }
    absl::MutexLock lock(&state_.mu);
    if (state_.body_bytes + bytes > options_.max_body_bytes_in_flight) {
      return false;
    }
    state_.body_bytes += bytes;
    return true;
  }
  void Release(size_t bytes) {
    if (bytes == 0) {
      return;
    }
    absl::MutexLock lock(&state_.mu);
    state_.body_bytes -= bytes;
  }

  State& state_;
  const HttpFrontOptions& options_;
  net::io_context& ioc_;
  Stream& stream_;
  const std::string address_;
  beast::flat_buffer buffer_;
  char drain_[16 << 10];
};

}  // namespace chitieu::gateway::http_internal

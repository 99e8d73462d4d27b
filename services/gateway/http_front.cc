// The HTTP/1.1 listener on Boost.Beast, with every bound of a hostile client
// (http_front.h).

#include "services/gateway/http_front.h"

#include <sys/resource.h>
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
#include <thread>
#include <type_traits>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "libs/common/log.h"

namespace chitieu::gateway {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using ErrorCode = boost::system::error_code;

std::chrono::steady_clock::duration ToChrono(absl::Duration d) {
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
std::string StatusBody(int code, const std::string& message) {
  std::string escaped;
  for (char c : message) {
    if (c == '"' || c == '\\') {
      escaped += '\\';
    }
    escaped += c;
  }
  return absl::StrCat("{\"code\":", code, ",\"message\":\"", escaped, "\",\"details\":[]}");
}

}  // namespace

struct HttpFront::State {
  HttpFrontOptions options;
  HttpHandler handler;
  std::unique_ptr<net::ssl::context> tls;
  net::io_context accept_context;
  tcp::acceptor acceptor{accept_context};
  std::thread accept_thread;

  absl::Mutex mu;
  bool stopping ABSL_GUARDED_BY(mu) = false;
  int open ABSL_GUARDED_BY(mu) = 0;
  std::map<std::string, int> per_address ABSL_GUARDED_BY(mu);
  std::set<int> sockets ABSL_GUARDED_BY(mu);  // Of open connections.
  size_t body_bytes ABSL_GUARDED_BY(mu) = 0;  // Reserved for bodies being read.
};

namespace {

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
    res.set(http::field::content_type, content_type);
    for (const auto& [name, value] : headers) {
      res.set(name, value);
    }
    res.keep_alive(keep_alive_);
    res.body() = std::move(body);
    res.prepare_payload();
    // Header and body in one gathered write.
    failed_ = Await(ioc_, stream_, options_.write_deadline, [&](auto done) {
                http::async_write(stream_, res, done);
              }).failed();
    ended_ = true;
  }

  bool StartStream(int status, const std::string& content_type) override {
    if (started_) {
      return false;
    }
    started_ = true;
    http::response<http::empty_body> res{static_cast<http::status>(status), version_};
    res.set(http::field::content_type, content_type);
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

void Leave(State& state, const std::string& address, int fd) {
  absl::MutexLock lock(&state.mu);
  state.sockets.erase(fd);
  if (--state.per_address[address] <= 0) {
    state.per_address.erase(address);
  }
  --state.open;
}

// A connection's thread: the socket, TLS if configured, then requests
// until either side ends it.
void RunConnection(std::shared_ptr<State> state, std::shared_ptr<net::io_context> ioc,
                   tcp::socket accepted, const std::string& address) {
  // A local, so that it closes before the parameters go: the order in
  // which parameters are destroyed is the compiler's, and a socket that
  // outlives its io_context writes to freed memory (gcc destroyed `ioc`
  // first: the gateway crashed when 32 keep-alive connections closed).
  tcp::socket socket(std::move(accepted));
  const int fd = socket.native_handle();
  ErrorCode ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  try {
    if (state->tls != nullptr) {
      net::ssl::stream<tcp::socket> stream(std::move(socket), *state->tls);
      // Deregistered before the socket closes, so Stop never touches a
      // number the system has given to another file.
      absl::Cleanup leave = [&] { Leave(*state, address, fd); };
      if (Await(*ioc, stream, state->options.header_deadline, [&](auto done) {
            stream.async_handshake(net::ssl::stream_base::server,
                                   [done](const ErrorCode& ec) mutable { done(ec, 0); });
          })) {
        return;
      }
      Connection<net::ssl::stream<tcp::socket>>(*state, *ioc, stream, address).Serve();
      Await(*ioc, stream, absl::Seconds(1), [&](auto done) {
        stream.async_shutdown([done](const ErrorCode& ec) mutable { done(ec, 0); });
      });
    } else {
      absl::Cleanup leave = [&] { Leave(*state, address, fd); };
      Connection<tcp::socket>(*state, *ioc, socket, address).Serve();
      // Our side is done; the peer reads what was sent before the close.
      socket.shutdown(tcp::socket::shutdown_send, ignored);
    }
  } catch (const std::exception& e) {
    LogError("HTTP connection failed", {{"error", e.what()}});
  }
}

void Accept(std::shared_ptr<State> state);

// Accepts again in a moment: out of descriptors (or memory), say, where
// spinning would only fail again.
void AcceptLater(std::shared_ptr<State> state) {
  auto timer =
      std::make_shared<net::steady_timer>(state->accept_context, std::chrono::milliseconds(100));
  timer->async_wait([state, timer](const ErrorCode& ec) {
    if (!ec && state->acceptor.is_open()) {
      Accept(state);
    }
  });
}

void Accept(std::shared_ptr<State> state) {
  // Each connection gets an io_context of its own, run by its own thread
  // (its reactor costs descriptors: Start bounds the connections by them).
  std::shared_ptr<net::io_context> ioc;
  try {
    ioc = std::make_shared<net::io_context>(1);
  } catch (const std::exception& e) {
    LogError("cannot accept HTTP connections for now", {{"error", e.what()}});
    AcceptLater(state);
    return;
  }
  state->acceptor.async_accept(*ioc, [state, ioc](const ErrorCode& ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !state->acceptor.is_open()) {
      return;
    }
    if (ec) {
      AcceptLater(state);
      return;
    }
    ErrorCode peer_error;
    const std::string address = socket.remote_endpoint(peer_error).address().to_string();
    bool admitted = false;
    if (!peer_error) {
      absl::MutexLock lock(&state->mu);
      const HttpFrontOptions& o = state->options;
      if (!state->stopping && (o.max_connections <= 0 || state->open < o.max_connections) &&
          (o.max_connections_per_address <= 0 ||
           state->per_address[address] < o.max_connections_per_address)) {
        admitted = true;
        ++state->open;
        ++state->per_address[address];
        state->sockets.insert(socket.native_handle());
      } else if (state->per_address[address] == 0) {
        state->per_address.erase(address);
      }
    }
    if (admitted) {
      const int fd = socket.native_handle();
      try {
        std::thread(RunConnection, state, ioc, std::move(socket), address).detach();
      } catch (const std::system_error& e) {
        LogError("cannot start a thread for an HTTP connection", {{"error", e.what()}});
        Leave(*state, address, fd);
      }
    }
    // Not admitted: the socket closes here, unread.
    Accept(state);
  });
}

}  // namespace

const std::string* HttpRequest::Header(absl::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (absl::EqualsIgnoreCase(n, name)) {
      return &v;
    }
  }
  return nullptr;
}

HttpFront::HttpFront(HttpFrontOptions options, HttpHandler handler)
    : state_(std::make_shared<State>()) {
  state_->options = std::move(options);
  state_->handler = std::move(handler);
}

HttpFront::~HttpFront() { Stop(); }

int HttpFront::Start(const std::string& listen) {
  State& s = *state_;
  if (!s.options.tls_cert.empty() || !s.options.tls_key.empty()) {
    s.tls = std::make_unique<net::ssl::context>(net::ssl::context::tls_server);
    s.tls->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                       net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                       net::ssl::context::no_tlsv1_1);
    ErrorCode ec;
    s.tls->use_certificate_chain_file(s.options.tls_cert, ec);
    if (!ec) {
      s.tls->use_private_key_file(s.options.tls_key, net::ssl::context::pem, ec);
    }
    if (ec) {
      return -1;
    }
  }
  const size_t colon = listen.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(listen.substr(colon + 1), &port)) {
    return -1;
  }
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  ErrorCode ec;
  tcp::resolver resolver(s.accept_context);
  const auto endpoints =
      resolver.resolve(host.empty() ? "0.0.0.0" : host, std::to_string(port),
                       tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || endpoints.empty()) {
    return -1;
  }
  const tcp::endpoint endpoint = *endpoints.begin();
  s.acceptor.open(endpoint.protocol(), ec);
  if (!ec) {
    s.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  }
  if (!ec) {
    s.acceptor.bind(endpoint, ec);
  }
  if (!ec) {
    s.acceptor.listen(net::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    return -1;
  }
  const int bound = s.acceptor.local_endpoint(ec).port();
  if (ec) {
    return -1;
  }
  // Each connection costs about four descriptors (its socket and its
  // io_context's reactor); the cap keeps well inside the process's limit.
  if (rlimit files; getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur != RLIM_INFINITY) {
    const int cap = std::max<int>(16, (static_cast<int>(files.rlim_cur) - 256) / 4);
    if (s.options.max_connections <= 0 || s.options.max_connections > cap) {
      LogInfo("HTTP connections capped by the open files limit",
              {{"max_connections", cap}, {"open_files", static_cast<int64_t>(files.rlim_cur)}});
      s.options.max_connections = cap;
    }
  }
  Accept(state_);
  s.accept_thread = std::thread([state = state_] {
    for (;;) {
      try {
        state->accept_context.run();
        return;
      } catch (const std::exception& e) {
        // An accept that threw (out of descriptors): accept again later.
        LogError("HTTP accept failed", {{"error", e.what()}});
        AcceptLater(state);
      }
    }
  });
  return bound;
}

void HttpFront::Stop() {
  State& s = *state_;
  {
    absl::MutexLock lock(&s.mu);
    s.stopping = true;
    // Every blocked read or write of a connection ends at once.
    for (int fd : s.sockets) {
      ::shutdown(fd, SHUT_RDWR);
    }
  }
  if (s.accept_thread.joinable()) {
    net::post(s.accept_context, [state = state_] {
      ErrorCode ignored;
      state->acceptor.close(ignored);
    });
    s.accept_thread.join();
  }
  absl::MutexLock lock(&s.mu);
  s.mu.Await(absl::Condition(
      +[](int* open) { return *open == 0; }, &s.open));
}

int HttpFront::connections() const {
  absl::MutexLock lock(&state_->mu);
  return state_->open;
}

}  // namespace chitieu::gateway

// The HTTP/1.1 listener on Boost.Beast, with every bound of a hostile client
// (http_front.h).

#include "services/gateway/http_front.h"

#include <sys/resource.h>
#include <sys/socket.h>

#include <memory>
#include <thread>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "libs/common/log.h"
#include "services/gateway/http_connection.h"

namespace chitieu::gateway {
namespace {

namespace net = http_internal::net;
using http_internal::Await;
using http_internal::Connection;
using http_internal::ErrorCode;
using http_internal::State;
using http_internal::ToChrono;
using tcp = http_internal::tcp;

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

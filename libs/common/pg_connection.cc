// Reopening a PostgreSQL connection within a bound (pg_connection.h).

#include "libs/common/pg_connection.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>

namespace chitieu {
namespace {

// The URL's connect_timeout in seconds, 0 if it sets none.
int ConnectTimeout(PGconn* conn) {
  int seconds = 0;
  PQconninfoOption* options = PQconninfo(conn);
  for (PQconninfoOption* o = options; o != nullptr && o->keyword != nullptr; ++o) {
    if (std::strcmp(o->keyword, "connect_timeout") == 0 && o->val != nullptr) {
      seconds = std::atoi(o->val);
    }
  }
  PQconninfoFree(options);
  return seconds;
}

}  // namespace

bool ReopenConnection(PGconn* conn, absl::Duration bound, const std::function<bool()>& stop) {
  if (ConnectTimeout(conn) > 0) {
    // libpq bounds each host by it and goes on to the URL's next host.
    PQreset(conn);
    return PQstatus(conn) == CONNECTION_OK;
  }
  // (An infinite bound, the listener's, as a year: no overflow.)
  const auto deadline = std::chrono::steady_clock::now() +
                        absl::ToChronoMilliseconds(std::min(bound, absl::Hours(24 * 365)));
  if (PQresetStart(conn) != 1) {
    return false;
  }
  // As libpq's documentation says: wait for the socket to be writable
  // first, then as each poll asks.
  PostgresPollingStatusType state = PGRES_POLLING_WRITING;
  while (true) {
    if (state == PGRES_POLLING_OK) {
      return true;
    }
    if (state == PGRES_POLLING_FAILED) {
      return false;
    }
    const int64_t left_ms =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now())
            .count();
    if (left_ms <= 0 || (stop && stop())) {
      // Given up: the socket is shut so that the server frees the session
      // slot and nothing read from it later waits.
      if (PQsocket(conn) >= 0) {
        shutdown(PQsocket(conn), SHUT_RDWR);
      }
      return false;
    }
    pollfd fd{PQsocket(conn), static_cast<short>(state == PGRES_POLLING_READING ? POLLIN : POLLOUT),
              0};
    if (fd.fd < 0) {
      return false;
    }
    if (poll(&fd, 1, static_cast<int>(std::min<int64_t>(left_ms, 200))) > 0) {
      state = PQresetPoll(conn);
    }
  }
}

}  // namespace chitieu

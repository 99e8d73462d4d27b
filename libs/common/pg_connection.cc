// Reopening a PostgreSQL connection within a bound (pg_connection.h).

#include "libs/common/pg_connection.h"

#include <poll.h>

#include <algorithm>

#include "absl/time/clock.h"

namespace chitieu {

bool ReopenConnection(PGconn* conn, absl::Duration bound, const std::function<bool()>& stop) {
  const absl::Time deadline = absl::Now() + bound;
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
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration() || (stop && stop())) {
      return false;
    }
    pollfd fd{PQsocket(conn), static_cast<short>(state == PGRES_POLLING_READING ? POLLIN : POLLOUT),
              0};
    if (fd.fd < 0) {
      return false;
    }
    const int wait_ms = static_cast<int>(
        std::clamp<int64_t>(absl::ToInt64Milliseconds(left), int64_t{1}, int64_t{200}));
    if (poll(&fd, 1, wait_ms) > 0) {
      state = PQresetPoll(conn);
    }
  }
}

}  // namespace chitieu

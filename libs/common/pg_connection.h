#pragma once

// Reopening a PostgreSQL connection within a bound, for every owner of one:
// PgDb (the pool's connections, the sequencer's) and the feed's LISTEN
// connection (pg_store.cc).

#include <libpq-fe.h>

#include <functional>

#include "absl/time/time.h"

namespace chitieu {

// Reopens `conn` with the parameters it was opened with (PQresetStart,
// then PQresetPoll as libpq asks). Returns true once it is open; false
// when the server refused it, or when `bound` passed or `stop` (if given;
// asked every 200 ms) said to give up first — `conn` is then not
// CONNECTION_OK, its socket shut (the server frees the session; nothing
// read later waits), and the next call starts again. PQreset instead
// waits as long as the URL's `connect_timeout` says and, without one, for
// as long as an unanswering host keeps the socket open: a pool's thread
// held by an outage. With a `connect_timeout` (from the URL or
// PGCONNECT_TIMEOUT), PQreset is used all the same, `bound` and `stop`
// unasked: only it tries the URL's next host when one does not answer in
// time (a URL naming several hosts needs a connect_timeout to fail over),
// and it waits at most that long a host and address. Not bounded either:
// resolving a host name (getaddrinfo blocks).
bool ReopenConnection(PGconn* conn, absl::Duration bound,
                      const std::function<bool()>& stop = nullptr);

}  // namespace chitieu

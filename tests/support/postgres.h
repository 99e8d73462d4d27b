#pragma once

// A real PostgreSQL 15 server (Debian's) for tests: initdb into a temporary
// folder, started with pg_ctl on a Unix socket in that folder (no TCP port,
// so parallel tests never collide), stopped and removed on destruction.
// Run as root, the server runs as the `postgres` user, as initdb requires.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "libs/common/pg.h"
#include "tests/support/service_process.h"

namespace chitieu::testing {

class PostgresServer {
 public:
  PostgresServer();
  ~PostgresServer();

  // initdb + start; false with the reason in error().
  bool Start();
  const std::string& error() const { return error_; }

  // A libpq connection URL for database `name`, created on first use.
  std::string Url(const std::string& name = "chitieu");

 private:
  bool Run(const std::string& command, const std::string& what);

  TempDir dir_;
  std::string data_, socket_dir_, run_as_;
  bool started_ = false;
  std::string error_;
};

// One server for a whole test binary, started on first use and stopped when
// the binary exits; for tests parameterised over the storage backends.
PostgresServer* SharedPostgres();

// The feed's head of a database held locked, as a slow sequencer pass of
// another replica holds it (SELECT … FOR UPDATE in an open transaction):
// changes commit, and none is numbered until the hold is released.
class FeedHeadHold {
 public:
  // Opens a connection of its own to `url` and takes the lock.
  static absl::StatusOr<std::unique_ptr<FeedHeadHold>> Take(const std::string& url);
  ~FeedHeadHold();  // Releases, if not released yet.

  // Commits the holding transaction: the sequencer goes on.
  absl::Status Release();
  // The holding connection, for looking at the database meanwhile.
  PgDb& db() { return *db_; }

 private:
  explicit FeedHeadHold(std::unique_ptr<PgDb> db) : db_(std::move(db)) {}
  std::unique_ptr<PgDb> db_;
  bool held_ = true;
};

// Where a store under test keeps its data on `backend` ("sqlite" or
// "postgres"): a private in-memory SQLite database, or a fresh database
// named after `prefix` on the shared server.
std::string TestStoreLocation(const std::string& backend, const std::string& prefix);

}  // namespace chitieu::testing

#pragma once

// A thin layer over libpq (Debian's libpq-dev) for the PostgreSQL backend:
// one connection, statements written with `?` placeholders as for SQLite
// (sent as $1, $2, … with typed parameters), results read in binary,
// SERIALIZABLE transactions retried on serialization failures, versioned
// migrations applied once however many replicas start together, and the
// change-feed outbox with sequences that are gap-free and in commit order
// across replicas. Not thread-safe: one PgDb a thread or a mutex around it.
//
// Why the feed is right with several writers: each appending transaction
// takes the next sequence from the single row of `feed_head` (UPDATE …
// RETURNING). The row lock holds a second writer until the first commits,
// and SERIALIZABLE then fails and retries the second, which reads the new
// head: a sequence is only ever taken after every smaller one committed,
// and a rolled-back transaction gives its number back. A reader that sees
// sequence n therefore already sees 1 … n − 1.

#include <libpq-fe.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/common/sql.h"

namespace chitieu {

class PgDb : public SqlSession {
 public:
  // `url`: postgresql://user@host:port/db?… (libpq's connection URI).
  static absl::StatusOr<std::unique_ptr<PgDb>> Open(const std::string& url);
  ~PgDb() override;

  // Runs one or more statements without parameters.
  absl::Status Exec(absl::string_view sql);
  // SqlSession: parameters typed (int8, text, bytea), results in binary.
  absl::StatusOr<SqlRows> Query(const std::string& sql,
                                const std::vector<SqlValue>& args = {}) override;

  // Runs `body` in a SERIALIZABLE transaction, again from the start (up to
  // 20 times, with a short random pause) when PostgreSQL reports a
  // serialization failure or a deadlock; ABORTED if it never gets through.
  absl::Status InTransaction(const std::function<absl::Status()>& body);

  // Applies migrations[i] for every i at or above the stored version, under
  // an advisory lock so that replicas starting at once apply each once.
  absl::Status Migrate(const std::vector<std::string>& migrations);

  // The outbox (its tables are in kPgOutboxSchema, part of a migration):
  // inside InTransaction, appends one change and returns its sequence.
  absl::StatusOr<int64_t> AppendChange(const std::string& change);
  // The two halves of AppendChange, for a change that must carry its own
  // sequence: take the next sequence, then insert the change under it.
  absl::StatusOr<int64_t> NextSequence();
  absl::Status InsertChange(int64_t sequence, const std::string& change);
  absl::StatusOr<std::vector<std::string>> ReadChanges(int64_t after, int limit);
  absl::StatusOr<int64_t> LastSequence();

 private:
  explicit PgDb(PGconn* conn) : conn_(conn) {}
  absl::Status Error(absl::string_view what, const PGresult* result) const;
  // The server-side prepared statement for `sql` with these parameter
  // types, prepared on first use (parsed and planned once, not per call).
  absl::StatusOr<std::string> Prepared(const std::string& sql, const std::vector<Oid>& types);

  PGconn* conn_;
  // "types|sql" → statement name, for the life of the connection.
  std::unordered_map<std::string, std::string> prepared_;
};

inline constexpr char kPgOutboxSchema[] = R"sql(
CREATE TABLE feed_head (id INTEGER PRIMARY KEY CHECK (id = 1), last BIGINT NOT NULL);
INSERT INTO feed_head VALUES (1, 0);
CREATE TABLE changes (
  sequence BIGINT PRIMARY KEY,
  commit_time TIMESTAMPTZ NOT NULL DEFAULT now(),
  data BYTEA NOT NULL
);
)sql";

}  // namespace chitieu

#pragma once

// A thin layer over libpq (Debian's libpq-dev) for the PostgreSQL backend:
// one connection, statements written with `?` placeholders as for SQLite
// (sent as $1, $2, … with typed parameters), results read in binary,
// SERIALIZABLE transactions retried on serialization failures (their BEGIN,
// and the statements whose results nobody reads, sent with the next
// statement in one round trip: libpq's pipeline mode), versioned
// migrations applied once however many replicas start together, ids from
// sequences, and the change-feed outbox. Not thread-safe: one PgDb a
// thread; PgStoreCore keeps a pool of them.
//
// The feed, without serialising its writers. A writing transaction inserts
// its changes with no sequence, under its own transaction id (`txid`, the
// 64-bit xid8, which never wraps); writers never touch a shared row, so
// they run and commit in parallel. A sequencer (NumberChanges; one pass at
// a time across every replica, by the lock on `feed_head`'s row) then
// numbers, in one READ COMMITTED transaction, every unnumbered change its
// snapshot sees, in (txid, insertion) order, as head + 1, head + 2, …, and
// moves the head to the last.
//
// Why that is gap-free and the same for every reader:
//  1. A pass sees only committed changes, and each exactly once: it takes
//     the lock before its snapshot, so it sees the previous pass's numbers
//     and leaves those rows alone.
//  2. A pass numbers head + 1 … head + k and sets the head to head + k in
//     one transaction, and passes run one after another; so the numbered
//     set is always exactly 1 … head, and a reader that sees sequence n
//     (or the head at n) sees 1 … n − 1 too, and never sees a number move.
//  3. Two writes of one row are numbered in the order they committed. The
//     second writer's snapshot saw the first committed (SERIALIZABLE
//     refuses it otherwise), so any snapshot that sees the second sees the
//     first: the first is numbered in the same pass or an earlier one. In
//     the same pass txid order decides, and the second's txid, given at
//     its first write, after its snapshot, is above the first's. Changes
//     carry the resource as written, so a reader applying them in sequence
//     order ends where the sources are. Transactions that touched no row
//     in common were concurrent; their order is the sequencer's.
// The direction the issue named, numbering only below the snapshot's xmin
// (every older transaction ended), would also be right, but it holds back
// every later change while one long transaction runs; 1–3 need no more
// than the pass's own snapshot. PgSequencer acknowledges a write once a
// pass that began after its commit has ended, so a caller that wrote and
// then reads the feed finds its change, as on SQLite.

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
#include "absl/time/time.h"
#include "libs/common/sql.h"

namespace chitieu {

class PgDb : public SqlSession {
 public:
  // `url`: postgresql://user@host:port/db?… (libpq's connection URI).
  static absl::StatusOr<std::unique_ptr<PgDb>> Open(const std::string& url);
  ~PgDb() override;

  // Runs one or more statements without parameters.
  absl::Status Exec(absl::string_view sql);
  // SqlSession: parameters typed (int8, text, bytea), results in binary;
  // every statement is prepared on its connection's first use of it (in
  // the same round trip) and sent in pipeline mode, with what is held.
  absl::StatusOr<SqlRows> Query(const std::string& sql, SqlArgs args = {}) override;
  // The statements in one round trip (with what is held before them).
  absl::StatusOr<std::vector<SqlRows>> QueryMany(
      const std::vector<SqlStatement>& statements) override;

  // Runs `body` in a SERIALIZABLE transaction, again from the start (up to
  // 20 times, with a short random pause) when PostgreSQL reports a
  // serialization failure or a deadlock; ABORTED if it never gets through.
  // Once also, reconnected, when the body's statements found the link
  // broken (UNAVAILABLE, the connection Lost): nothing can have committed
  // before the COMMIT's own round trip, whose loss is the caller's.
  // BEGIN is not sent on its own: it goes with the body's first statement,
  // in one round trip (libpq's pipeline mode); so does what the body
  // deferred with the COMMIT.
  absl::Status InTransaction(const std::function<absl::Status()>& body);

  // Inside InTransaction's body: a statement whose only result is that it
  // ran (a change appended), held and sent with the next statement or the
  // COMMIT, in one round trip. Its error is the next statement's (and the
  // transaction is rolled back, or retried on a serialization failure).
  absl::Status Defer(std::string sql, std::vector<SqlValue> args) override;

  // Applies migrations[i] for every i at or above the stored version, under
  // an advisory lock so that replicas starting at once apply each once.
  absl::Status Migrate(const std::vector<std::string>& migrations);

  // The next value of a named counter: the sequence `counter_<name>`,
  // created by the store's migrations (PgCounterSequences). Unique and
  // increasing, not gap-free: a rolled-back transaction does not give its
  // number back, and two writers no longer queue on one counter row.
  SqlStatement NextIdStatement(const std::string& counter) const override;

  // The outbox (kPgOutboxSchema, then kPgOutboxUnnumbered, in migrations).
  // Changes are inserted by PgChangeAppender (pg_store.h). One sequencer pass in a transaction of
  // its own (above): numbers at most `limit` committed changes; `notify_channel`, if not empty,
  // gets the new head by pg_notify when some were numbered.
  struct NumberingPass {
    int64_t last = 0;   // The head after the pass (0 if it numbered none).
    int64_t count = 0;  // How many it numbered.
  };
  absl::StatusOr<NumberingPass> NumberChanges(int limit, const std::string& notify_channel);
  absl::StatusOr<std::vector<StoredChange>> ReadChanges(int64_t after, int limit);
  absl::StatusOr<int64_t> LastSequence();

  // Session settings (`SET …`, no parameters), added to those set before:
  // applied now, and again by every Reset, so that a connection that
  // reconnects — the owner's Reset, or a pipeline's on a link lost
  // mid-way — keeps them. Until they apply, the connection is not
  // Healthy.
  absl::Status SetSession(std::string sql);

  // False once the connection is broken or the server said it ends it
  // (errors with SQLSTATE 57P01-57P03, 08000, 08003 or 08006: UNAVAILABLE,
  // with a message that names no statement; the details are logged); Reset
  // reconnects it (its prepared statements are gone with it), giving up
  // after the reopen bound (10 s unless set; the URL's connect_timeout a
  // host instead when it has one: ReopenConnection). Still not Healthy
  // then; the next Reset tries again.
  bool Healthy() const;
  void Reset();
  void set_reopen_bound(absl::Duration bound) { reopen_bound_ = bound; }
  // Asked while any reconnect of this connection waits (ReopenConnection's
  // `stop`; not with a connect_timeout in the URL, which bounds it):
  // true gives up at once, as the bound passing does. For an owner that
  // must stop during an outage (the sequencer).
  void set_reopen_stop(std::function<bool()> stop) { reopen_stop_ = std::move(stop); }
  // Whether the last Reset could not reopen the connection.
  bool reopen_gave_up() const { return reopen_gave_up_; }
  // The pool's release hook: a broken connection reconnected, unless a
  // reconnect during this lease (since the last ResetOnRelease) gave up
  // — its next user tries again, so that no call waits for two bounds.
  void ResetOnRelease();
  // How many times the connection was reset.
  int64_t resets() const { return resets_; }
  // After `status` from work begun when resets() was `resets_before`:
  // true when the work found the link broken (UNAVAILABLE, Lost) and the
  // connection is now back — work with nothing to undo may run again.
  bool ReconnectIfLost(const absl::Status& status, int64_t resets_before);

 private:
  explicit PgDb(PGconn* conn) : conn_(conn) {}
  // Whether the connection broke (or was reset, as a pipeline that lost
  // its link does) since resets() was `resets_before`.
  bool Lost(int64_t resets_before) const;
  absl::Status Error(absl::string_view what, const PGresult* result) const;
  // A statement to send: its text and parameters.
  using Command = std::pair<const std::string*, SqlArgs>;
  // What went on the wire, in order: each command, and before a
  // statement's first use on this connection its PREPARE.
  struct Sent {
    size_t command;
    std::string prepared_key;  // Not empty for a PREPARE.
    std::string name;
  };
  // Sends, in pipeline mode, BEGIN if held, the deferred statements, and
  // `wanted`; one round trip. `wanted`'s rows, or the first error.
  absl::StatusOr<std::vector<SqlRows>> Pipelined(absl::Span<const Command> wanted);
  // Its two halves: queue `commands` (stopping at the first that cannot
  // be), and read back what was `sent` once synced, keeping the rows of
  // the commands from `first_wanted` on and the first error.
  absl::Status SendPipeline(const std::vector<Command>& commands, std::vector<Sent>* sent);
  void ReceivePipeline(const std::vector<Command>& commands, const std::vector<Sent>& sent,
                       size_t first_wanted, absl::Status* status, std::vector<SqlRows>* rows);

  PGconn* conn_;
  // "types|sql" → statement name, for the life of the connection.
  std::unordered_map<std::string, std::string> prepared_;
  // What InTransaction holds back for the next round trip.
  struct Held {
    std::string sql;
    std::vector<SqlValue> args;
  };
  bool begin_held_ = false;
  std::vector<Held> held_;
  std::string session_;          // SetSession's statements.
  bool session_applied_ = true;  // False while they failed to apply.
  // The server said it is ending the session (Error): broken before libpq
  // notices.
  mutable bool gone_ = false;
  int64_t resets_ = 0;
  absl::Duration reopen_bound_ = absl::Seconds(10);
  std::function<bool()> reopen_stop_;
  bool reopen_gave_up_ = false;
};

// The outbox as a store's first version creates it (sequence given in the
// writing transaction)…
inline constexpr char kPgOutboxSchema[] = R"sql(
CREATE TABLE feed_head (id INTEGER PRIMARY KEY CHECK (id = 1), last BIGINT NOT NULL);
INSERT INTO feed_head VALUES (1, 0);
CREATE TABLE changes (
  sequence BIGINT PRIMARY KEY,
  commit_time TIMESTAMPTZ NOT NULL DEFAULT now(),
  data BYTEA NOT NULL
);
)sql";

// …and as a later version of every store with a feed makes it: changes
// inserted unnumbered under their txid, numbered by the sequencer (above).
// The changes already there keep their numbers.
extern const char kPgOutboxUnnumbered[];  // In pg.cc, with the sequencer's function.

// The sequences behind NextId for these counters, each starting after the
// value the counters table holds (a store that used it before).
std::string PgCounterSequences(const std::vector<std::string>& counters);

}  // namespace chitieu

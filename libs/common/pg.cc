// The libpq layer: connection, statements, SERIALIZABLE retries, migrations,
// the feed (pg.h).

#include "libs/common/pg.h"

#include <arpa/inet.h>
#include <endian.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <random>
#include <thread>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/common/log.h"
#include "libs/common/pg_connection.h"
#include "libs/common/status_macros.h"

namespace chitieu {
namespace {

constexpr Oid kInt2 = 21, kInt4 = 23, kInt8 = 20, kText = 25, kBytea = 17;
// Marks a serialization failure or deadlock: InTransaction runs it again.
constexpr char kRetryPayload[] = "chitieu.pg/retry";
// A fixed key for the migrations' advisory lock ("chitieu" in ASCII).
constexpr int64_t kMigrationLock = 0x63686974696575;

// `?N` → `$N`, and a bare `?` → one more than the largest number so far
// (SQLite's rule, so that one statement means the same on both), outside
// quoted strings.
std::string Numbered(const std::string& sql) {
  std::string out;
  int next = 0;
  bool quoted = false;
  for (size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (c == '\'') {
      quoted = !quoted;
    }
    if (c != '?' || quoted) {
      out += c;
      continue;
    }
    size_t j = i + 1;
    while (j < sql.size() && isdigit(static_cast<unsigned char>(sql[j]))) {
      ++j;
    }
    if (j > i + 1) {
      const int n = std::stoi(sql.substr(i + 1, j - i - 1));
      next = std::max(next, n);
      absl::StrAppend(&out, "$", n);
      i = j - 1;
    } else {
      absl::StrAppend(&out, "$", ++next);
    }
  }
  return out;
}

bool Retryable(const PGresult* result) {
  const char* state = result == nullptr ? nullptr : PQresultErrorField(result, PG_DIAG_SQLSTATE);
  return state != nullptr && (std::strcmp(state, "40001") == 0 || std::strcmp(state, "40P01") == 0);
}

// The server is going away or the link broke (08000, 08003, 08006: the
// connection lost; 57P01-57P03: a backend terminated, a server shutting
// down or starting): the caller may try again on another connection. The
// result arrives while libpq still calls the connection OK. Not all of
// class 08: 08P01 is also a malformed message (a bug, not an outage).
bool ServerGone(const PGresult* result) {
  const char* state = result == nullptr ? nullptr : PQresultErrorField(result, PG_DIAG_SQLSTATE);
  if (state == nullptr) {
    return false;
  }
  for (const char* gone : {"08000", "08003", "08006", "57P01", "57P02", "57P03"}) {
    if (std::strcmp(state, gone) == 0) {
      return true;
    }
  }
  return false;
}

// A result's rows: integers decoded from binary, everything else as bytes.
SqlRows ReadRows(const PGresult* result) {
  SqlRows rows;
  const int columns = PQnfields(result);
  for (int r = 0; r < PQntuples(result); ++r) {
    std::vector<SqlRows::Cell> row(columns);
    for (int c = 0; c < columns; ++c) {
      if (PQgetisnull(result, r, c)) {
        continue;
      }
      const char* v = PQgetvalue(result, r, c);
      switch (PQftype(result, c)) {
        case kInt2: {
          uint16_t n;
          std::memcpy(&n, v, 2);
          row[c] = int64_t{static_cast<int16_t>(ntohs(n))};
          break;
        }
        case kInt4: {
          uint32_t n;
          std::memcpy(&n, v, 4);
          row[c] = int64_t{static_cast<int32_t>(ntohl(n))};
          break;
        }
        case kInt8: {
          uint64_t n;
          std::memcpy(&n, v, 8);
          row[c] = static_cast<int64_t>(be64toh(n));
          break;
        }
        default:
          row[c] = std::string(v, PQgetlength(result, r, c));
      }
    }
    rows.AddRow(std::move(row));
  }
  return rows;
}

// A statement's parameters as libpq takes them: typed, in binary.
struct Params {
  explicit Params(SqlArgs args)
      : types(args.size()),
        storage(args.size()),
        values(args.size()),
        lengths(args.size()),
        formats(args.size()) {
    for (size_t i = 0; i < args.size(); ++i) {
      if (const auto* n = std::get_if<int64_t>(&args[i])) {
        const uint64_t be = htobe64(static_cast<uint64_t>(*n));
        storage[i].assign(reinterpret_cast<const char*>(&be), 8);
        types[i] = kInt8;
      } else if (const auto* s = std::get_if<std::string>(&args[i])) {
        storage[i] = *s;
        types[i] = kText;
      } else if (const auto* b = std::get_if<SqlBlob>(&args[i])) {
        storage[i] = b->data;
        types[i] = kBytea;
      } else {
        continue;  // NULL: no value, the type inferred.
      }
      values[i] = storage[i].data();
      lengths[i] = static_cast<int>(storage[i].size());
      formats[i] = 1;  // Binary: no escaping, bytes as they are.
    }
  }
  int count() const { return static_cast<int>(types.size()); }

  std::vector<Oid> types;
  std::vector<std::string> storage;
  std::vector<const char*> values;
  std::vector<int> lengths, formats;
};

// Statements that read or write rows are prepared once; the rest (BEGIN,
// COMMIT, SET, DDL) are sent as they are.
bool Preparable(const std::string& sql) {
  return absl::StartsWithIgnoreCase(sql, "SELECT") || absl::StartsWithIgnoreCase(sql, "INSERT") ||
         absl::StartsWithIgnoreCase(sql, "UPDATE") || absl::StartsWithIgnoreCase(sql, "DELETE") ||
         absl::StartsWithIgnoreCase(sql, "WITH");
}

std::string PreparedKey(const std::string& sql, const std::vector<Oid>& types) {
  return absl::StrCat(absl::StrJoin(types, ","), "|", sql);
}

}  // namespace

const char kPgOutboxUnnumbered[] = R"sql(
ALTER TABLE changes DROP CONSTRAINT changes_pkey;
ALTER TABLE changes ALTER COLUMN sequence DROP NOT NULL;
ALTER TABLE changes ADD COLUMN id BIGSERIAL;
ALTER TABLE changes ADD COLUMN txid xid8;
ALTER TABLE changes ALTER COLUMN txid SET DEFAULT pg_current_xact_id();
CREATE UNIQUE INDEX changes_sequence ON changes (sequence);
CREATE INDEX changes_unnumbered ON changes (txid, id) WHERE sequence IS NULL;
CREATE FUNCTION chitieu_number_changes(max_rows BIGINT, channel TEXT,
                                       OUT head_after BIGINT, OUT numbered BIGINT)
LANGUAGE plpgsql
-- Through the unnumbered rows' index, whatever the statistics say: right
-- after a bulk import they claim every row is unnumbered, and a pass that
-- then scans the whole table costs more than the writes it numbers.
SET enable_seqscan = off
AS $$
BEGIN
  head_after := 0;
  numbered := 0;
  -- Nothing to number: no lock, no transaction id, nothing for the WAL.
  IF NOT EXISTS (SELECT 1 FROM changes WHERE sequence IS NULL) THEN
    RETURN;
  END IF;
  -- One pass at a time across replicas; each statement below takes its
  -- snapshot after the lock (READ COMMITTED), so it sees the last pass.
  PERFORM 1 FROM feed_head WHERE id = 1 FOR UPDATE;
  WITH head AS (SELECT f.last FROM feed_head f WHERE f.id = 1),
       todo AS (SELECT c.ctid AS at, row_number() OVER (ORDER BY c.txid, c.id) AS n
                FROM changes c WHERE c.sequence IS NULL ORDER BY c.txid, c.id LIMIT max_rows),
       done AS (UPDATE changes c SET sequence = head.last + todo.n FROM todo, head
                WHERE c.ctid = todo.at RETURNING 1)
  SELECT (SELECT last FROM head), count(*) INTO head_after, numbered FROM done;
  IF numbered > 0 THEN
    head_after := head_after + numbered;
    UPDATE feed_head SET last = head_after WHERE id = 1;
    IF channel <> '' THEN
      PERFORM pg_notify(channel, head_after::text);
    END IF;
  END IF;
END
$$;
)sql";

absl::StatusOr<std::unique_ptr<PgDb>> PgDb::Open(const std::string& url) {
  PGconn* conn = PQconnectdb(url.c_str());
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    const std::string why = conn == nullptr ? "out of memory" : PQerrorMessage(conn);
    if (conn != nullptr) {
      PQfinish(conn);
    }
    return absl::UnavailableError(absl::StrCat("cannot connect to PostgreSQL: ", why));
  }
  // Notices ("relation already exists, skipping") are not errors.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  return std::unique_ptr<PgDb>(new PgDb(conn));
}

PgDb::~PgDb() { PQfinish(conn_); }

absl::Status PgDb::Error(absl::string_view what, const PGresult* result) const {
  const std::string message =
      result != nullptr ? PQresultErrorMessage(result) : PQerrorMessage(conn_);
  if (Retryable(result)) {
    absl::Status s = absl::AbortedError(absl::StrCat(what, ": ", message));
    s.SetPayload(kRetryPayload, absl::Cord("serialization"));
    return s;
  }
  if (ServerGone(result)) {
    gone_ = true;  // Not Healthy: its owner resets it before another use.
  }
  if (PQstatus(conn_) != CONNECTION_OK || gone_) {
    // UNAVAILABLE reaches callers as it is: the statement and the
    // server's words go to the log only.
    LogWarn("the PostgreSQL connection failed", {{"statement", what}, {"error", message}});
    return absl::UnavailableError("the database connection was lost; retry");
  }
  return absl::InternalError(absl::StrCat(what, ": ", message));
}

absl::Status PgDb::Exec(absl::string_view sql) {
  if (begin_held_ || !held_.empty()) {  // What was held goes first.
    RETURN_IF_ERROR(Pipelined({}).status());
  }
  if (PQstatus(conn_) != CONNECTION_OK) {  // As in Pipelined.
    return Error(sql.substr(0, 60), nullptr);
  }
  PGresult* result = PQexec(conn_, std::string(sql).c_str());
  const ExecStatusType status = PQresultStatus(result);
  absl::Status s = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK
                       ? absl::OkStatus()
                       : Error(sql.substr(0, 60), result);
  PQclear(result);
  return s;
}

absl::StatusOr<SqlRows> PgDb::Query(const std::string& sql, SqlArgs args) {
  const Command one[] = {{&sql, args}};
  ASSIGN_OR_RETURN(auto rows, Pipelined(one));
  return std::move(rows.front());
}

absl::StatusOr<std::vector<SqlRows>> PgDb::QueryMany(const std::vector<SqlStatement>& statements) {
  std::vector<Command> wanted;
  wanted.reserve(statements.size());
  for (const SqlStatement& s : statements) {
    wanted.push_back({&s.sql, s.args});
  }
  return Pipelined(wanted);
}

absl::Status PgDb::Defer(std::string sql, std::vector<SqlValue> args) {
  held_.push_back({std::move(sql), std::move(args)});
  return absl::OkStatus();
}

absl::StatusOr<std::vector<SqlRows>> PgDb::Pipelined(absl::Span<const Command> wanted) {
  // The commands in order: what was held, then `wanted`.
  static const std::string kBegin = "BEGIN ISOLATION LEVEL SERIALIZABLE";
  // Writes find their rows by key: through an index, whatever the
  // statistics say. A table filled faster than autovacuum analyzes it (a
  // first bulk import) is estimated to match a third of its rows for a
  // 64-key IN list, and each such statement was a sequential scan — a
  // relation-wide SIRead lock too, which made concurrent writers fail as
  // conflicting (docs/PERFORMANCE.md).
  static const std::string kNoSeqScan = "SET LOCAL enable_seqscan = off";
  std::vector<Command> commands;
  if (begin_held_) {
    commands.push_back({&kBegin, {}});
    commands.push_back({&kNoSeqScan, {}});
  }
  for (const Held& h : held_) {
    commands.push_back({&h.sql, h.args});
  }
  const size_t first_wanted = commands.size();
  commands.insert(commands.end(), wanted.begin(), wanted.end());
  // Whatever happens below, what was held is spent: on an error the
  // transaction is aborted and InTransaction rolls it back.
  std::vector<Held> spent = std::move(held_);
  held_.clear();
  begin_held_ = false;

  // A reopen given up (Reset) leaves it half-open: libpq would wait on it.
  if (PQstatus(conn_) != CONNECTION_OK || PQenterPipelineMode(conn_) != 1) {
    return Error("pipeline mode", nullptr);
  }
  std::vector<Sent> sent;
  absl::Status status = SendPipeline(commands, &sent);
  const bool synced = PQpipelineSync(conn_) == 1;
  if (!synced && status.ok()) {
    status = Error("pipeline", nullptr);
  }
  std::vector<SqlRows> rows(wanted.size());
  if (synced) {  // Without a sync the server sends nothing: the connection is reset below.
    ReceivePipeline(commands, sent, first_wanted, &status, &rows);
  }
  if (PQexitPipelineMode(conn_) != 1) {
    // Results not read: only a broken connection leaves them. Start again
    // on a new one.
    Reset();
    if (status.ok()) {
      status = absl::UnavailableError("the PostgreSQL connection was lost mid-pipeline");
    }
  }
  if (!status.ok()) {
    return status;
  }
  return rows;
}

absl::Status PgDb::SendPipeline(const std::vector<Command>& commands, std::vector<Sent>* sent) {
  std::unordered_map<std::string, std::string> preparing;  // key → name
  for (size_t i = 0; i < commands.size(); ++i) {
    const std::string& sql = *commands[i].first;
    const Params params(commands[i].second);
    int queued = 0;
    if (Preparable(sql)) {
      std::string key = PreparedKey(sql, params.types);
      std::string name;
      if (auto it = prepared_.find(key); it != prepared_.end()) {
        name = it->second;
      } else if (auto it = preparing.find(key); it != preparing.end()) {
        name = it->second;
      } else {
        name = absl::StrCat("chitieu_", prepared_.size() + preparing.size() + 1);
        if (PQsendPrepare(conn_, name.c_str(), Numbered(sql).c_str(), params.count(),
                          params.types.data()) != 1) {
          return Error("pipeline", nullptr);
        }
        preparing.emplace(key, name);
        sent->push_back({i, key, name});
      }
      queued = PQsendQueryPrepared(conn_, name.c_str(), params.count(), params.values.data(),
                                   params.lengths.data(), params.formats.data(),
                                   /*resultFormat=*/1);
    } else {
      queued = PQsendQueryParams(conn_, Numbered(sql).c_str(), params.count(), params.types.data(),
                                 params.values.data(), params.lengths.data(), params.formats.data(),
                                 /*resultFormat=*/1);
    }
    if (queued != 1) {
      return Error("pipeline", nullptr);
    }
    sent->push_back({i, "", ""});
  }
  return absl::OkStatus();
}

void PgDb::ReceivePipeline(const std::vector<Command>& commands, const std::vector<Sent>& sent,
                           size_t first_wanted, absl::Status* status, std::vector<SqlRows>* rows) {
  // The results, in the order sent: each command's, then NULL; then the
  // sync's. After an error the rest come back PGRES_PIPELINE_ABORTED.
  for (const Sent& s : sent) {
    PGresult* result = PQgetResult(conn_);
    if (result == nullptr) {  // The connection broke.
      if (status->ok()) {
        *status = Error("pipeline", nullptr);
      }
      break;
    }
    const ExecStatusType st = PQresultStatus(result);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
      if (!s.prepared_key.empty()) {
        prepared_.emplace(s.prepared_key, s.name);
      } else if (s.command >= first_wanted) {
        (*rows)[s.command - first_wanted] = ReadRows(result);
      }
    } else if (st != PGRES_PIPELINE_ABORTED && status->ok()) {
      *status = Error(commands[s.command].first->substr(0, 60), result);
    }
    PQclear(result);
    while ((result = PQgetResult(conn_)) != nullptr) {  // NULL ends a command's results.
      PQclear(result);
    }
  }
  while (PGresult* result = PQgetResult(conn_)) {
    const bool sync = PQresultStatus(result) == PGRES_PIPELINE_SYNC;
    PQclear(result);
    if (sync) {
      break;
    }
  }
}

absl::Status PgDb::InTransaction(const std::function<absl::Status()>& body) {
  static thread_local std::mt19937 random(std::random_device{}());
  absl::Status last;
  bool reconnected = false;
  for (int attempt = 0; attempt < 20; ++attempt) {
    // BEGIN is held and sent with the body's first statement, the changes
    // the body appended with COMMIT (pipeline mode, pg.h).
    held_.clear();
    begin_held_ = true;
    const int64_t resets = resets_;
    absl::Status s = body();
    if (s.ok() && begin_held_ && held_.empty()) {
      begin_held_ = false;  // The body ran no statement: nothing to commit.
      return absl::OkStatus();
    }
    bool committing = false;
    if (s.ok()) {
      committing = true;
      auto committed = Query("COMMIT");
      if (committed.ok()) {
        return absl::OkStatus();
      }
      s = committed.status();
    }
    // What was held is dropped; a transaction still open (the body
    // refused, or a held statement failed before the COMMIT ran) is
    // rolled back.
    held_.clear();
    begin_held_ = false;
    if (PQtransactionStatus(conn_) == PQTRANS_INTRANS ||
        PQtransactionStatus(conn_) == PQTRANS_INERROR) {
      (void)Exec("ROLLBACK");
    }
    // A link the body's statements found broken (the server restarted and
    // dropped this idle connection, as it does every pooled one): nothing
    // was committed, so the transaction runs again once reconnected —
    // once. Not when the COMMIT itself was lost: whether it took is not
    // known.
    if (!committing && !reconnected && ReconnectIfLost(s, resets)) {
      reconnected = true;
      continue;
    }
    // A serialization failure is retried from the start; anything else
    // (a rule the body refused, a stale etag) is the caller's to see.
    if (!s.GetPayload(kRetryPayload).has_value()) {
      return s;
    }
    last = s;
    // A short random pause, growing with the attempts, so that the writers
    // that collided do not collide again at once.
    std::this_thread::sleep_for(std::chrono::microseconds(
        std::uniform_int_distribution<int>(100, 2000 << (attempt / 4))(random)));
  }
  LogWarn("a transaction kept conflicting", {{"error", last.ToString()}});
  return absl::AbortedError("the transaction kept conflicting with others; retry");
}

absl::Status PgDb::Migrate(const std::vector<std::string>& migrations) {
  // A session-level advisory lock: replicas wait for whoever migrates.
  RETURN_IF_ERROR(Query("SELECT pg_advisory_lock(?)", {kMigrationLock}));
  absl::Status s = [&]() -> absl::Status {
    RETURN_IF_ERROR(Query("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)"));
    ASSIGN_OR_RETURN(auto rows, Query("SELECT version FROM schema_version"));
    int64_t version = rows.size() == 0 ? 0 : rows.Int64(0, 0);
    if (version > static_cast<int64_t>(migrations.size())) {
      return absl::FailedPreconditionError(
          absl::StrCat("the database is at schema version ", version, ", newer than this binary's ",
                       migrations.size(), ": run the newer binary, or restore a backup"));
    }
    for (size_t i = version; i < migrations.size(); ++i) {
      RETURN_IF_ERROR(Query("BEGIN"));
      PGresult* applied = PQexec(conn_, migrations[i].c_str());
      const bool ok =
          PQresultStatus(applied) == PGRES_COMMAND_OK || PQresultStatus(applied) == PGRES_TUPLES_OK;
      absl::Status error =
          ok ? absl::OkStatus() : Error(absl::StrCat("migration ", i + 1), applied);
      PQclear(applied);
      if (ok) {
        auto recorded = Query("DELETE FROM schema_version");
        if (recorded.ok()) {
          recorded = Query("INSERT INTO schema_version VALUES (?)", {static_cast<int64_t>(i + 1)});
        }
        if (!recorded.ok()) {
          error = recorded.status();
        }
      }
      if (!error.ok()) {
        (void)Query("ROLLBACK");
        return error;
      }
      RETURN_IF_ERROR(Query("COMMIT"));
    }
    return absl::OkStatus();
  }();
  (void)Query("SELECT pg_advisory_unlock(?)", {kMigrationLock});
  return s;
}

SqlStatement PgDb::NextIdStatement(const std::string& counter) const {
  return {"SELECT nextval(CAST(? AS regclass))", {absl::StrCat("counter_", counter)}};
}

std::string PgCounterSequences(const std::vector<std::string>& counters) {
  std::string sql;
  for (const std::string& c : counters) {
    absl::StrAppend(&sql, "CREATE SEQUENCE counter_", c, ";\n", "SELECT setval('counter_", c,
                    "', coalesce((SELECT value FROM counters WHERE name = '", c,
                    "'), 0) + 1, false);\n");
  }
  return sql;
}

absl::StatusOr<PgDb::NumberingPass> PgDb::NumberChanges(int limit,
                                                        const std::string& notify_channel) {
  // One round trip: the pass is a function of the schema
  // (kPgOutboxUnnumbered), run as a READ COMMITTED statement of its own.
  ASSIGN_OR_RETURN(auto rows, Query("SELECT head_after, numbered FROM chitieu_number_changes(?, ?)",
                                    {int64_t{limit}, notify_channel}));
  return NumberingPass{.last = rows.Int64(0, 0), .count = rows.Int64(0, 1)};
}

absl::StatusOr<std::vector<StoredChange>> PgDb::ReadChanges(int64_t after, int limit) {
  ASSIGN_OR_RETURN(auto rows, Query("SELECT sequence, data FROM changes WHERE sequence > ? "
                                    "ORDER BY sequence LIMIT ?",
                                    {after, int64_t{limit}}));
  std::vector<StoredChange> out;
  out.reserve(rows.size());
  for (int i = 0; i < rows.size(); ++i) {
    out.push_back({rows.Int64(i, 0), rows.Text(i, 1)});
  }
  return out;
}

absl::StatusOr<int64_t> PgDb::LastSequence() {
  ASSIGN_OR_RETURN(auto rows, Query("SELECT last FROM feed_head WHERE id = 1"));
  return rows.size() == 0 ? 0 : rows.Int64(0, 0);
}

absl::Status PgDb::SetSession(std::string sql) {
  // Added to what was set before (the store's, then the sequencer's).
  session_ = session_.empty() ? std::move(sql) : absl::StrCat(session_, "; ", sql);
  absl::Status applied = Exec(session_);
  session_applied_ = applied.ok();
  return applied;
}

bool PgDb::Healthy() const {
  return session_applied_ && !gone_ && PQstatus(conn_) == CONNECTION_OK;
}

bool PgDb::Lost(int64_t resets_before) const { return resets_ != resets_before || !Healthy(); }

bool PgDb::ReconnectIfLost(const absl::Status& status, int64_t resets_before) {
  if (!absl::IsUnavailable(status) || !Lost(resets_before)) {
    return false;
  }
  // Not when the work's own reconnect (Pipelined's) just gave up.
  if (!Healthy() && !(resets_ != resets_before && reopen_gave_up_)) {
    Reset();
  }
  return Healthy();
}

void PgDb::ResetOnRelease() {
  if (!Healthy() && !reopen_gave_up_) {
    Reset();
  }
  reopen_gave_up_ = false;
}

void PgDb::Reset() {
  ++resets_;
  const bool open = ReopenConnection(conn_, reopen_bound_, reopen_stop_);
  reopen_gave_up_ = !open;
  gone_ = false;
  prepared_.clear();
  held_.clear();
  begin_held_ = false;
  session_applied_ = session_.empty() || (open && Exec(session_).ok());
}

}  // namespace chitieu

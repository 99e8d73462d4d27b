#pragma once

// What a service's store says to its database, the same for SQLite and
// PostgreSQL, so that each service writes its queries once:
//
//  - SqlSession: run a statement with `?` / `?N` placeholders and typed
//    values (numbered as SQLite does: a bare `?` takes one more than the
//    largest number so far), and get its rows back.
//  - ChangeLog: append a change to the service's feed in the running
//    transaction.
//  - SqlStoreCore: transactions, reads, the feed and its head; opened on a
//    SQLite file or a postgresql:// URL by OpenSqlStoreCore (sql_store.h).
//
// The statements keep to what both dialects share: ON CONFLICT … DO UPDATE
// for upserts, recursive CTEs, `||`, coalesce, substr, CAST(… AS BIGINT)
// where PostgreSQL's sum() would otherwise answer NUMERIC, an alias on
// every subquery in FROM. Only the schemas differ (BLOB/BYTEA, INTEGER/
// BIGINT): each store has one list of migrations per backend.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "google/protobuf/timestamp.pb.h"
#include "libs/common/idempotency.h"
#include "libs/common/status_macros.h"

namespace chitieu {

// Bytes for a BLOB / BYTEA column (a std::string binds as TEXT).
struct SqlBlob {
  std::string data;
};
struct SqlNull {};
using SqlValue = std::variant<int64_t, std::string, SqlBlob, SqlNull>;
// A statement's parameters, in order: a vector, a braced list, or part of
// a batch's values (BatchUpsert).
using SqlArgs = absl::Span<const SqlValue>;

// Text, or NULL when empty (for optional date columns).
inline SqlValue TextOrNull(const std::string& text) {
  return text.empty() ? SqlValue(SqlNull{}) : SqlValue(text);
}

// The rows a statement returned, read whole.
class SqlRows {
 public:
  using Cell = std::variant<std::monostate, int64_t, std::string>;

  int size() const { return static_cast<int>(rows_.size()); }
  bool empty() const { return rows_.empty(); }
  bool IsNull(int row, int col) const {
    return std::holds_alternative<std::monostate>(rows_[row][col]);
  }
  // An integer column (NULL reads 0).
  int64_t Int64(int row, int col) const;
  // A text or blob column (NULL reads "").
  std::string Text(int row, int col) const;

  void AddRow(std::vector<Cell> row) { rows_.push_back(std::move(row)); }

 private:
  std::vector<std::vector<Cell>> rows_;
};

// One statement and its parameters.
struct SqlStatement {
  std::string sql;
  std::vector<SqlValue> args;
};

class SqlSession {
 public:
  virtual ~SqlSession() = default;
  virtual absl::StatusOr<SqlRows> Query(const std::string& sql, SqlArgs args = {}) = 0;
  // Reads that do not depend on one another: each statement's rows, in
  // order. Run one after another here; PostgreSQL sends them in one round
  // trip (pg.h), and the first failure fails them all.
  virtual absl::StatusOr<std::vector<SqlRows>> QueryMany(
      const std::vector<SqlStatement>& statements);
  absl::Status Run(const std::string& sql, SqlArgs args = {}) { return Query(sql, args).status(); }
  // A write whose only result is that it ran, inside a transaction: run at
  // once here; PostgreSQL holds it and sends it with the next statement or
  // the COMMIT, in one round trip (pg.h), its failure then the
  // transaction's.
  virtual absl::Status Defer(std::string sql, std::vector<SqlValue> args) { return Run(sql, args); }
  // The next value of a named counter, starting at 1: the statement that
  // takes it (the counters table's row unless the backend has something
  // better; its one row's first column is the value), and running it.
  virtual SqlStatement NextIdStatement(const std::string& counter) const;
  absl::StatusOr<int64_t> NextId(const std::string& counter);
};

// The value NextIdStatement's rows hold.
absl::StatusOr<int64_t> NextIdOf(const SqlRows& rows);

// A change as the feed stores it. `data` is the serialised change; on
// PostgreSQL it was serialised before it had its sequence (which readers
// set from `sequence`, as ParseChanges does).
struct StoredChange {
  int64_t sequence = 0;
  std::string data;
};

// The service's change feed, within the running transaction.
class ChangeLog {
 public:
  virtual ~ChangeLog() = default;
  // Calls `serialize(sequence, now)` and stores what it returns as the
  // next change. On PostgreSQL, where changes are numbered after they
  // commit (pg.h), `sequence` is 0: readers get it from StoredChange.
  virtual absl::Status Append(
      const std::function<std::string(int64_t sequence, const google::protobuf::Timestamp& now)>&
          serialize) = 0;
  // The sequence of the last change appended in this transaction, 0 if none
  // (or not known yet: PostgreSQL).
  virtual int64_t last_appended() const = 0;
  // Appends `n` changes in order, `serialize(i, sequence, now)` giving the
  // i-th: the same as n Appends, in fewer statements where the backend
  // gains by it (a bulk import).
  virtual absl::Status AppendAll(
      int n, const std::function<std::string(int i, int64_t sequence,
                                             const google::protobuf::Timestamp& now)>& serialize) {
    for (int i = 0; i < n; ++i) {
      RETURN_IF_ERROR(Append([&](int64_t sequence, const google::protobuf::Timestamp& now) {
        return serialize(i, sequence, now);
      }));
    }
    return absl::OkStatus();
  }
};

// The ChangeLog of a read-only transaction (a store's View): appending is
// a bug, refused.
class NoChangeLog : public ChangeLog {
 public:
  absl::Status Append(
      const std::function<std::string(int64_t, const google::protobuf::Timestamp&)>&) override {
    return absl::InternalError("a read-only transaction cannot append a change");
  }
  int64_t last_appended() const override { return 0; }
};

// `Change` is a service's StreamChangesResponse: its sequence and
// commit_time are set here.
template <typename Change>
absl::Status AppendChange(ChangeLog& log, Change change) {
  return log.Append([&](int64_t sequence, const google::protobuf::Timestamp& now) {
    change.set_sequence(sequence);
    *change.mutable_commit_time() = now;
    return change.SerializeAsString();
  });
}

// The same for many, in order (ChangeLog::AppendAll).
template <typename Change>
absl::Status AppendChanges(ChangeLog& log, std::vector<Change> changes) {
  return log.AppendAll(static_cast<int>(changes.size()),
                       [&](int i, int64_t sequence, const google::protobuf::Timestamp& now) {
                         changes[i].set_sequence(sequence);
                         *changes[i].mutable_commit_time() = now;
                         return changes[i].SerializeAsString();
                       });
}

// Column 0 of every row, parsed as `Message`; DATA_LOSS if one does not.
template <typename Message>
absl::StatusOr<std::vector<Message>> MessagesOf(const SqlRows& rows) {
  std::vector<Message> out(rows.size());
  for (int i = 0; i < rows.size(); ++i) {
    if (!out[i].ParseFromString(rows.Text(i, 0))) {
      return absl::DataLossError(
          absl::StrCat("stored ", Message::descriptor()->name(), " cannot be parsed"));
    }
  }
  return out;
}

// The first of them; NOT_FOUND "<what> not found" if none.
template <typename Message>
absl::StatusOr<Message> MessageOf(const SqlRows& rows, absl::string_view what) {
  ASSIGN_OR_RETURN(auto found, MessagesOf<Message>(rows));
  if (found.empty()) {
    return absl::NotFoundError(absl::StrCat(what, " not found"));
  }
  return std::move(found.front());
}

// MessagesOf what `sql` finds.
template <typename Message>
absl::StatusOr<std::vector<Message>> QueryMessages(SqlSession& db, const std::string& sql,
                                                   const std::vector<SqlValue>& args) {
  ASSIGN_OR_RETURN(auto rows, db.Query(sql, args));
  return MessagesOf<Message>(rows);
}

// The one message `sql` finds; NOT_FOUND "<what> not found" if none.
template <typename Message>
absl::StatusOr<Message> QueryMessage(SqlSession& db, const std::string& sql,
                                     const std::vector<SqlValue>& args, absl::string_view what) {
  ASSIGN_OR_RETURN(auto rows, db.Query(sql, args));
  return MessageOf<Message>(rows, what);
}

// The same, or nullopt if none.
template <typename Message>
absl::StatusOr<std::optional<Message>> QueryOptionalMessage(SqlSession& db, const std::string& sql,
                                                            const std::vector<SqlValue>& args) {
  ASSIGN_OR_RETURN(auto rows, QueryMessages<Message>(db, sql, args));
  if (rows.empty()) {
    return std::optional<Message>();
  }
  return std::optional<Message>(std::move(rows.front()));
}

// A statement put together from optional filters:
//   SqlBuilder q("SELECT data FROM units WHERE code > ?", {after});
//   q.AndIf(query.level, " AND level = ?");
//   q.Add(" ORDER BY code LIMIT ?", {int64_t{limit}});
struct SqlBuilder {
  SqlBuilder(std::string sql, std::vector<SqlValue> args)
      : sql(std::move(sql)), args(std::move(args)) {}
  // Appends `clause` and the values of its `?`s.
  SqlBuilder& Add(absl::string_view clause, std::vector<SqlValue> values = {}) {
    absl::StrAppend(&sql, clause);
    for (auto& v : values) {
      args.push_back(std::move(v));
    }
    return *this;
  }
  // Appends `clause` (one `?`) with `value`, if it is set.
  SqlBuilder& AndIf(const std::optional<std::string>& value, absl::string_view clause) {
    return value ? Add(clause, {*value}) : *this;
  }
  SqlBuilder& AndIf(const std::optional<int>& value, absl::string_view clause) {
    return value ? Add(clause, {int64_t{*value}}) : *this;
  }

  std::string sql;
  std::vector<SqlValue> args;
};

// "INSERT INTO table (c1, …) VALUES (?, …) ON CONFLICT (k1, …) DO UPDATE
// SET c = excluded.c, …": the first `key_columns` columns are the key;
// `rows` rows of values (no two with one key: PostgreSQL refuses that).
std::string UpsertSql(absl::string_view table, const std::vector<std::string>& columns,
                      int key_columns, int rows = 1);
// The same with each column's value an expression of one "?" (`values`,
// one a column; say "NULLIF(?, '')").
std::string UpsertSql(absl::string_view table, const std::vector<std::string>& columns,
                      const std::vector<std::string>& values, int key_columns, int rows);

// "(?, ?, …)" with `n` marks, for IN lists.
std::string Marks(int n);

// Rows a batch statement carries at most (parameters stay far below both
// backends' limits).
inline constexpr int kBatchRows = 500;

// Request ids (idempotency) and named counters, in the tables every store
// creates (kSqliteRequestsSchema / kPgRequestsSchema).
absl::StatusOr<std::optional<StoredRequest>> SqlGetRequest(SqlSession& db,
                                                           const std::string& request_id);
// Stores `request` under `request_id`, deferred (SqlSession::Defer): an id
// stored already fails the transaction, at once or at its COMMIT.
absl::Status SqlClaimRequest(SqlSession& db, const std::string& request_id,
                             const StoredRequest& request);

// What every service's transaction does the same way over a SqlSession:
// request ids, counters and the change feed. `Tx` is the service's
// transaction interface, `Change` its StreamChangesResponse.
template <typename Tx, typename Change>
class SqlTxBase : public Tx {
 public:
  SqlTxBase(SqlSession& db, ChangeLog& changes) : db_(db), changes_(changes) {}

  absl::StatusOr<int64_t> NextId(const std::string& counter) override {
    return db_.NextId(counter);
  }
  absl::StatusOr<std::optional<StoredRequest>> GetRequest(const std::string& request_id) override {
    return SqlGetRequest(db_, request_id);
  }
  absl::Status ClaimRequest(const std::string& request_id, const StoredRequest& r) override {
    return SqlClaimRequest(db_, request_id, r);
  }
  absl::Status AppendChange(Change change) override {
    return ::chitieu::AppendChange(changes_, std::move(change));
  }

 protected:
  SqlSession& db_;
  ChangeLog& changes_;
};

// Transactions over one database, whichever it is.
class SqlStoreCore {
 public:
  virtual ~SqlStoreCore() = default;

  // Runs `body` in one transaction, committed durably only if it returns
  // OK; PostgreSQL may run it again from the start after a serialization
  // conflict or a connection found broken before the COMMIT, so `body`
  // must not keep state from an earlier attempt. After
  // a commit that appended changes, the feed's followers are woken.
  virtual absl::Status Transact(
      const std::function<absl::Status(SqlSession&, ChangeLog&)>& body) = 0;
  // As Transact, but may return once committed, before the feed shows
  // what `body` appended: for the batches of one stream, whose answer then
  // waits for AwaitFeed once, after the last batch. SQLite numbers changes
  // as it inserts them, so there it is Transact.
  virtual absl::Status TransactBatch(
      const std::function<absl::Status(SqlSession&, ChangeLog&)>& body) {
    return Transact(body);
  }
  // Returns once every change committed before the call is in the feed (or
  // after a bound, logged: the commits stand and are numbered later).
  virtual void AwaitFeed() {}
  // Runs read-only statements on a connection of their own, never behind
  // a commit: on SQLite in one read transaction (one snapshot); on
  // PostgreSQL each statement on its own (as the read model always read
  // there; a BEGIN and COMMIT would be two more round trips a read),
  // and there once more, reconnected, when the connection was found
  // broken: `body` must not keep state from an earlier run.
  virtual absl::Status Read(const std::function<absl::Status(SqlSession&)>& body) = 0;

  // The changes after `after`, in order, at most `limit`.
  virtual absl::StatusOr<std::vector<StoredChange>> ReadChanges(int64_t after, int limit) = 0;
  // The highest committed sequence, 0 when the feed is empty.
  virtual absl::StatusOr<int64_t> LastSequence() = 0;
};

// A store's View: `body` gets the store's transaction type `SqlTx` over a
// Read, which refuses to append changes (and the database refuses writes).
template <typename SqlTx, typename Tx>
absl::Status SqlView(SqlStoreCore& core, const std::function<absl::Status(Tx&)>& body) {
  return core.Read([&](SqlSession& db) {
    NoChangeLog none;
    SqlTx tx(db, none);
    return body(tx);
  });
}

// Parses stored changes, each with its sequence; DATA_LOSS if one does not
// parse.
template <typename Change>
absl::StatusOr<std::vector<Change>> ParseChanges(const std::vector<StoredChange>& rows) {
  std::vector<Change> out(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    if (!out[i].ParseFromString(rows[i].data)) {
      return absl::DataLossError("a stored change cannot be parsed");
    }
    out[i].set_sequence(rows[i].sequence);
  }
  return out;
}

}  // namespace chitieu

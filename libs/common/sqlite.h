#pragma once

// A thin RAII layer over the SQLite C API: one connection, cached prepared
// statements, transactions and versioned migrations. Not thread-safe: the
// store that owns a SqliteDb serialises access to it.

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/common/sql.h"

namespace chitieu {

class SqliteDb;

// A prepared statement borrowed from the connection's cache; reset and
// unbound when it goes out of scope.
class SqliteStatement {
 public:
  SqliteStatement(SqliteStatement&& other) noexcept : db_(other.db_), stmt_(other.stmt_) {
    other.stmt_ = nullptr;
  }
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;
  ~SqliteStatement();

  // Bind by 1-based index.
  SqliteStatement& Bind(int index, int64_t value);
  SqliteStatement& Bind(int index, int value) { return Bind(index, static_cast<int64_t>(value)); }
  SqliteStatement& Bind(int index, absl::string_view text);
  SqliteStatement& Bind(int index, const std::string& text) {
    return Bind(index, absl::string_view(text));
  }
  SqliteStatement& Bind(int index, const char* text) {
    return Bind(index, absl::string_view(text));
  }
  // Empty optional binds NULL.
  SqliteStatement& Bind(int index, const std::optional<std::string>& text);
  SqliteStatement& BindBlob(int index, absl::string_view bytes);
  // The same without SQLite's own copy: the bytes must stay as they are
  // until the statement is reset (SqliteDb::Query binds its arguments so).
  SqliteStatement& BindBorrowed(int index, absl::string_view text);
  SqliteStatement& BindBorrowedBlob(int index, absl::string_view bytes);
  SqliteStatement& BindNull(int index);

  template <typename... Args>
  SqliteStatement& BindAll(const Args&... args) {
    int i = 0;
    (Bind(++i, args), ...);
    return *this;
  }

  // Returns true when a row is available, false when done. When done (or on
  // error) the statement is reset and can be bound and stepped again.
  absl::StatusOr<bool> Step();
  // Steps to completion, for statements that return no rows.
  absl::Status Run();

  int64_t ColumnInt64(int col) const;
  std::string ColumnText(int col) const;
  // The text of `col` where SQLite holds it: valid until the next Step.
  absl::string_view ColumnView(int col) const;
  std::string ColumnBlob(int col) const;
  bool ColumnIsNull(int col) const;
  int ColumnCount() const;
  // SQLITE_INTEGER, SQLITE_TEXT, SQLITE_BLOB, SQLITE_FLOAT or SQLITE_NULL.
  int ColumnType(int col) const;

 private:
  friend class SqliteDb;
  SqliteStatement(SqliteDb* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  SqliteDb* db_;
  sqlite3_stmt* stmt_;
};

class SqliteDb : public SqlSession {
 public:
  // Opens (creating) a database in WAL mode with synchronous=FULL, so that a
  // committed transaction survives a crash or power loss before it is
  // acknowledged. ":memory:" opens a private in-memory database.
  // A read model that can be rebuilt from its sources may pass
  // `durable = false` (synchronous=NORMAL): a crash may then lose the last
  // transactions, but never part of one.
  static absl::StatusOr<std::unique_ptr<SqliteDb>> Open(const std::string& path,
                                                        bool durable = true);
  ~SqliteDb() override;

  absl::Status Exec(absl::string_view sql);
  // SqlSession: a cached statement, bound, stepped to the end.
  absl::StatusOr<SqlRows> Query(const std::string& sql, SqlArgs args = {}) override;
  // Returns a cached prepared statement for `sql`.
  absl::StatusOr<SqliteStatement> Prepare(const std::string& sql);
  int64_t LastInsertRowId() const;
  int Changes() const;

  // Runs `body` inside BEGIN IMMEDIATE … COMMIT; rolls back if it fails.
  absl::Status InTransaction(const std::function<absl::Status()>& body);

  // Applies migrations[i] for every i at or above the stored schema
  // version, each in its own transaction, and records the new version.
  // FAILED_PRECONDITION if the database is newer than this binary knows.
  absl::Status Migrate(const std::vector<std::string>& migrations);

  // Builds an INTERNAL status naming the SQLite error of the last call.
  // `rc` is the result code if known (the connection's last error may have
  // been cleared by a reset).
  absl::Status Error(absl::string_view what, int rc = 0) const;

 private:
  explicit SqliteDb(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

}  // namespace chitieu

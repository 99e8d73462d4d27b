// The RAII layer over SQLite's C API (sqlite.h).

#include "libs/common/sqlite.h"

#include "absl/strings/str_cat.h"
#include "libs/common/status_macros.h"

namespace chitieu {

SqliteStatement::~SqliteStatement() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

SqliteStatement& SqliteStatement::Bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

SqliteStatement& SqliteStatement::Bind(int index, absl::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

SqliteStatement& SqliteStatement::Bind(int index, const std::optional<std::string>& text) {
  return text.has_value() ? Bind(index, *text) : BindNull(index);
}

SqliteStatement& SqliteStatement::BindBlob(int index, absl::string_view bytes) {
  sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  return *this;
}

SqliteStatement& SqliteStatement::BindBorrowed(int index, absl::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
  return *this;
}

SqliteStatement& SqliteStatement::BindBorrowedBlob(int index, absl::string_view bytes) {
  sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_STATIC);
  return *this;
}

SqliteStatement& SqliteStatement::BindNull(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

absl::StatusOr<bool> SqliteStatement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) {
    return true;
  }
  // Reset when done or failed, so the statement can be bound again.
  sqlite3_reset(stmt_);
  if (rc == SQLITE_DONE) {
    return false;
  }
  if ((rc & 0xff) == SQLITE_CONSTRAINT) {
    return absl::AlreadyExistsError(sqlite3_errstr(rc));
  }
  if ((rc & 0xff) == SQLITE_BUSY) {
    return absl::UnavailableError("database is busy");
  }
  return db_->Error("step", rc);
}

absl::Status SqliteStatement::Run() {
  while (true) {
    ASSIGN_OR_RETURN(auto row, Step());
    if (!row) {
      return absl::OkStatus();
    }
  }
}

int64_t SqliteStatement::ColumnInt64(int col) const { return sqlite3_column_int64(stmt_, col); }

std::string SqliteStatement::ColumnText(int col) const {
  const auto* p = sqlite3_column_text(stmt_, col);
  return p == nullptr ? std::string()
                      : std::string(reinterpret_cast<const char*>(p),
                                    static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

absl::string_view SqliteStatement::ColumnView(int col) const {
  const auto* p = sqlite3_column_text(stmt_, col);
  return p == nullptr ? absl::string_view()
                      : absl::string_view(reinterpret_cast<const char*>(p),
                                          static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

std::string SqliteStatement::ColumnBlob(int col) const {
  const void* p = sqlite3_column_blob(stmt_, col);
  return p == nullptr ? std::string()
                      : std::string(static_cast<const char*>(p),
                                    static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

int SqliteStatement::ColumnCount() const { return sqlite3_column_count(stmt_); }

int SqliteStatement::ColumnType(int col) const { return sqlite3_column_type(stmt_, col); }

bool SqliteStatement::ColumnIsNull(int col) const {
  return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}

absl::StatusOr<std::unique_ptr<SqliteDb>> SqliteDb::Open(const std::string& path, bool durable) {
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = raw != nullptr ? sqlite3_errmsg(raw) : "out of memory";
    sqlite3_close(raw);
    return absl::UnavailableError(absl::StrCat("cannot open database ", path, ": ", msg));
  }
  std::unique_ptr<SqliteDb> db(new SqliteDb(raw));
  sqlite3_busy_timeout(raw, 5000);
  sqlite3_extended_result_codes(raw, 1);
  for (const char* pragma : {"PRAGMA journal_mode=WAL",
                             durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL",
                             "PRAGMA foreign_keys=ON", "PRAGMA temp_store=MEMORY"}) {
    RETURN_IF_ERROR(db->Exec(pragma));
  }
  return db;
}

SqliteDb::~SqliteDb() {
  for (auto& [sql, stmt] : cache_) {
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db_);
}

absl::StatusOr<SqlRows> SqliteDb::Query(const std::string& sql, SqlArgs args) {
  ASSIGN_OR_RETURN(auto stmt, Prepare(sql));
  // `args` outlives the statement's use: it is reset (Step, on the last
  // row or an error) and its bindings cleared (~SqliteStatement) before
  // this returns, so SQLite need not copy each value.
  for (size_t i = 0; i < args.size(); ++i) {
    const int index = static_cast<int>(i + 1);
    if (const auto* n = std::get_if<int64_t>(&args[i])) {
      stmt.Bind(index, *n);
    } else if (const auto* text = std::get_if<std::string>(&args[i])) {
      stmt.BindBorrowed(index, *text);
    } else if (const auto* blob = std::get_if<SqlBlob>(&args[i])) {
      stmt.BindBorrowedBlob(index, blob->data);
    } else {
      stmt.BindNull(index);
    }
  }
  SqlRows rows;
  while (true) {
    ASSIGN_OR_RETURN(auto more, stmt.Step());
    if (!more) {
      break;
    }
    std::vector<SqlRows::Cell> row(stmt.ColumnCount());
    for (int c = 0; c < static_cast<int>(row.size()); ++c) {
      switch (stmt.ColumnType(c)) {
        case SQLITE_NULL:
          break;
        case SQLITE_INTEGER:
        case SQLITE_FLOAT:
          row[c] = stmt.ColumnInt64(c);
          break;
        case SQLITE_BLOB:
          row[c] = stmt.ColumnBlob(c);
          break;
        default:
          row[c] = stmt.ColumnText(c);
      }
    }
    rows.AddRow(std::move(row));
  }
  return rows;
}

absl::Status SqliteDb::Exec(absl::string_view sql) {
  std::string owned(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, owned.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err != nullptr ? err : "unknown";
    sqlite3_free(err);
    if ((rc & 0xff) == SQLITE_BUSY) {
      return absl::UnavailableError("database is busy");
    }
    return absl::InternalError(absl::StrCat("sqlite: ", msg, " in: ", owned.substr(0, 120)));
  }
  return absl::OkStatus();
}

absl::StatusOr<SqliteStatement> SqliteDb::Prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                           SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
      return Error(absl::StrCat("prepare: ", sql.substr(0, 120)));
    }
    it = cache_.emplace(sql, stmt).first;
  }
  return SqliteStatement(this, it->second);
}

int64_t SqliteDb::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }

int SqliteDb::Changes() const { return sqlite3_changes(db_); }

absl::Status SqliteDb::InTransaction(const std::function<absl::Status()>& body) {
  RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  absl::Status status = body();
  if (status.ok()) {
    status = Exec("COMMIT");
    if (status.ok()) {
      return status;
    }
  }
  // A failed COMMIT may have rolled back already; ROLLBACK is then a no-op
  // error that we ignore.
  Exec("ROLLBACK").IgnoreError();
  return status;
}

absl::Status SqliteDb::Migrate(const std::vector<std::string>& migrations) {
  RETURN_IF_ERROR(Exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"));
  int64_t version = 0;
  {
    ASSIGN_OR_RETURN(auto stmt, Prepare("SELECT version FROM schema_version"));
    ASSIGN_OR_RETURN(auto row, stmt.Step());
    if (row) {
      version = stmt.ColumnInt64(0);
    }
  }
  if (version > static_cast<int64_t>(migrations.size())) {
    return absl::FailedPreconditionError(absl::StrCat("database schema version ", version,
                                                      " is newer than this binary (",
                                                      migrations.size(), "); upgrade the binary"));
  }
  for (size_t i = static_cast<size_t>(version); i < migrations.size(); ++i) {
    RETURN_IF_ERROR(InTransaction([&]() -> absl::Status {
      RETURN_IF_ERROR(Exec(migrations[i]));
      RETURN_IF_ERROR(Exec("DELETE FROM schema_version"));
      return Exec(absl::StrCat("INSERT INTO schema_version VALUES (", i + 1, ")"));
    }));
  }
  return absl::OkStatus();
}

absl::Status SqliteDb::Error(absl::string_view what, int rc) const {
  return absl::InternalError(
      absl::StrCat("sqlite ", what, ": ", rc != 0 ? sqlite3_errstr(rc) : sqlite3_errmsg(db_)));
}

}  // namespace chitieu

// The SQL layer both backends share: statements, builders, the feed tables
// (sql.h).

#include "libs/common/sql.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "libs/common/errors.h"
#include "libs/common/status_macros.h"

namespace chitieu {

int64_t SqlRows::Int64(int row, int col) const {
  const Cell& cell = rows_[row][col];
  if (const auto* n = std::get_if<int64_t>(&cell)) {
    return *n;
  }
  int64_t parsed = 0;
  if (const auto* text = std::get_if<std::string>(&cell)) {
    (void)absl::SimpleAtoi(*text, &parsed);
  }
  return parsed;
}

std::string SqlRows::Text(int row, int col) const {
  const Cell& cell = rows_[row][col];
  if (const auto* text = std::get_if<std::string>(&cell)) {
    return *text;
  }
  if (const auto* n = std::get_if<int64_t>(&cell)) {
    return absl::StrCat(*n);
  }
  return "";
}

std::string UpsertSql(absl::string_view table, const std::vector<std::string>& columns,
                      int key_columns, int rows) {
  return UpsertSql(table, columns, std::vector<std::string>(columns.size(), "?"), key_columns,
                   rows);
}

std::string UpsertSql(absl::string_view table, const std::vector<std::string>& columns,
                      const std::vector<std::string>& values, int key_columns, int rows) {
  const std::string row = absl::StrCat("(", absl::StrJoin(values, ", "), ")");
  std::vector<std::string> keys(columns.begin(), columns.begin() + key_columns);
  std::vector<std::string> sets;
  for (size_t i = key_columns; i < columns.size(); ++i) {
    sets.push_back(absl::StrCat(columns[i], " = excluded.", columns[i]));
  }
  std::string sql =
      absl::StrCat("INSERT INTO ", table, " (", absl::StrJoin(columns, ", "), ") VALUES ",
                   absl::StrJoin(std::vector<std::string>(rows, row), ", "), " ON CONFLICT (",
                   absl::StrJoin(keys, ", "), ")");
  absl::StrAppend(&sql, sets.empty() ? " DO NOTHING" : " DO UPDATE SET ",
                  absl::StrJoin(sets, ", "));
  return sql;
}

absl::StatusOr<std::optional<StoredRequest>> SqlGetRequest(SqlSession& db,
                                                           const std::string& request_id) {
  ASSIGN_OR_RETURN(
      auto rows, db.Query("SELECT method, fingerprint, response FROM requests WHERE request_id = ?",
                          {request_id}));
  if (rows.empty()) {
    return std::optional<StoredRequest>();
  }
  return std::optional<StoredRequest>(
      StoredRequest{rows.Text(0, 0), rows.Text(0, 1), rows.Text(0, 2)});
}

absl::Status SqlClaimRequest(SqlSession& db, const std::string& request_id,
                             const StoredRequest& r) {
  // The unique index's check for a stored id reads no snapshot (PostgreSQL
  // takes no predicate lock for it): a stored id fails the transaction as a
  // duplicate key (a serialization conflict only if the transaction read
  // that key, which the lookup before it does not: READ COMMITTED).
  // Run at once (SQLite), the claim's failure is known here: another call
  // with this id committed first, which Idempotent then answers from.
  absl::Status claimed = db.Defer(
      "INSERT INTO requests (request_id, method, fingerprint, response) VALUES (?, ?, ?, ?)",
      {request_id, r.method, SqlBlob{r.fingerprint}, SqlBlob{r.response}});
  if (claimed.code() == absl::StatusCode::kAlreadyExists) {
    return absl::AbortedError("another call with this request_id committed first");
  }
  return claimed;
}

std::string Marks(int n) {
  return absl::StrCat("(", absl::StrJoin(std::vector<std::string>(n, "?"), ", "), ")");
}

absl::StatusOr<std::vector<SqlRows>> SqlSession::QueryMany(
    const std::vector<SqlStatement>& statements) {
  std::vector<SqlRows> out;
  out.reserve(statements.size());
  for (const SqlStatement& s : statements) {
    ASSIGN_OR_RETURN(auto rows, Query(s.sql, s.args));
    out.push_back(std::move(rows));
  }
  return out;
}

SqlStatement SqlSession::NextIdStatement(const std::string& counter) const {
  return {
      "INSERT INTO counters (name, value) VALUES (?, 1) "
      "ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value",
      {counter}};
}

absl::StatusOr<int64_t> SqlSession::NextId(const std::string& counter) {
  const SqlStatement s = NextIdStatement(counter);
  ASSIGN_OR_RETURN(auto rows, Query(s.sql, s.args));
  return NextIdOf(rows);
}

absl::StatusOr<int64_t> NextIdOf(const SqlRows& rows) {
  if (rows.empty()) {
    return absl::InternalError("the counter returned no row");
  }
  return rows.Int64(0, 0);
}

}  // namespace chitieu

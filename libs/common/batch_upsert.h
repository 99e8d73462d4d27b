#pragma once

// Rows gathered from a batch of feed changes and upserted a few statements
// at a time, on SQLite or PostgreSQL: what a read model does with a
// catch-up's thousands of changes instead of a statement a change.

#include <cassert>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "libs/common/sql.h"

namespace chitieu {

// The statements of one table's batch upserts, built once: the first
// column is the key; each column's value is "?" or an expression of one
// "?" (say "NULLIF(?, '')", so that a NULL never changes a statement's
// parameter types on PostgreSQL).
class UpsertStatements {
 public:
  struct Column {
    std::string name;
    std::string value = "?";
  };
  // Rows a statement carries at most: statements carry 1, 2, 4, … of them,
  // so a table has a few prepared statements whatever the batches' sizes.
  static constexpr int kMaxRows = 64;

  UpsertStatements(const std::string& table, const std::vector<Column>& columns);

  int width() const { return width_; }
  // The statement for `rows` rows, a power of two up to kMaxRows.
  const std::string& Sql(int rows) const;

 private:
  int width_;
  std::vector<std::string> sql_;  // [k]: 2^k rows.
};

// The largest power of two not above `n` (≥ 1) nor `max` (a power of two):
// the rows of a batch's next statement.
int PowerOfTwoChunk(size_t n, int max);
// The smallest k with 2^k ≥ `rows` (≥ 1): for a power of two, the index of
// its statement; 2^k is `rows` rounded up to a power of two.
size_t ChunkIndex(int rows);

// One table's rows of a batch: a row put again under a key replaces the
// one put before (feeds carry whole states, so the last is the row; and
// PostgreSQL refuses a statement that touches a row twice).
class BatchUpsert {
 public:
  explicit BatchUpsert(const UpsertStatements& statements) : statements_(statements) {}

  // The row of `key`: its values in the columns' order (key included).
  template <typename... Values>
  void Put(const std::string& key, Values&&... values) {
    static_assert(sizeof...(Values) > 0);
    assert(sizeof...(Values) == static_cast<size_t>(statements_.width()));
    auto [it, added] = rows_.try_emplace(key, values_.size());
    if (added) {
      (values_.emplace_back(std::forward<Values>(values)), ...);
    } else {
      SqlValue* row = &values_[it->second];
      size_t i = 0;
      ((row[i++] = std::forward<Values>(values)), ...);
    }
  }

  size_t size() const { return rows_.size(); }

  // Upserts every row put, then forgets them (failed or not). Inside a
  // transaction only: the statements are deferred (SqlSession::Defer), and
  // on PostgreSQL travel with the transaction's next statement or COMMIT.
  absl::Status Write(SqlSession& db);
  // Forgets every row put; the memory stays for the next batch.
  void Clear() {
    rows_.clear();
    values_.clear();
  }

 private:
  const UpsertStatements& statements_;
  absl::flat_hash_map<std::string, size_t> rows_;  // Key → its first value.
  std::vector<SqlValue> values_;
};

}  // namespace chitieu

// Batch upserts (batch_upsert.h).

#include "libs/common/batch_upsert.h"

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/common/status_macros.h"

namespace chitieu {

UpsertStatements::UpsertStatements(const std::string& table, const std::vector<Column>& columns)
    : width_(static_cast<int>(columns.size())) {
  std::vector<std::string> names, values;
  for (const auto& c : columns) {
    names.push_back(c.name);
    values.push_back(c.value);
  }
  for (int rows = 1; rows <= kMaxRows; rows *= 2) {
    sql_.push_back(UpsertSql(table, names, values, /*key_columns=*/1, rows));
  }
}

const std::string& UpsertStatements::Sql(int rows) const { return sql_.at(ChunkIndex(rows)); }

size_t ChunkIndex(int rows) {
  size_t k = 0;
  while ((1 << k) < rows) {
    ++k;
  }
  return k;
}

int PowerOfTwoChunk(size_t n, int max) {
  int rows = 1;
  while (rows * 2 <= max && static_cast<size_t>(rows) * 2 <= n) {
    rows *= 2;
  }
  return rows;
}

absl::Status BatchUpsert::Write(SqlSession& db) {
  absl::Cleanup forget = [this] { Clear(); };
  const size_t width = statements_.width();
  const size_t total = values_.size() / width;
  for (size_t first = 0; first < total;) {
    const int rows = PowerOfTwoChunk(total - first, UpsertStatements::kMaxRows);
    const auto chunk = SqlArgs(values_).subspan(first * width, rows * width);
    RETURN_IF_ERROR(db.Defer(statements_.Sql(rows), {chunk.begin(), chunk.end()}));
    first += rows;
  }
  return absl::OkStatus();
}

}  // namespace chitieu

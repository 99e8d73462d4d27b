// Batch upserts over SQLite: the last row of a key wins, every size of a
// batch lands whole, and NULLIF keeps an empty text NULL.

#include "libs/common/batch_upsert.h"

#include <gtest/gtest.h>

#include "libs/common/sqlite.h"

namespace chitieu {
namespace {

TEST(PowerOfTwoChunk, LargestFittingPowerOfTwo) {
  EXPECT_EQ(PowerOfTwoChunk(1, 64), 1);
  EXPECT_EQ(PowerOfTwoChunk(3, 64), 2);
  EXPECT_EQ(PowerOfTwoChunk(64, 64), 64);
  EXPECT_EQ(PowerOfTwoChunk(1000, 64), 64);
  EXPECT_EQ(PowerOfTwoChunk(100, 256), 64);
  EXPECT_EQ(ChunkIndex(1), 0u);
  EXPECT_EQ(ChunkIndex(64), 6u);
  // Any count rounds up: the padded IN lists' sizes.
  EXPECT_EQ(ChunkIndex(3), 2u);
  EXPECT_EQ(ChunkIndex(65), 7u);
}

class BatchUpsertTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = SqliteDb::Open(":memory:");
    ASSERT_TRUE(opened.ok()) << opened.status();
    db_ = std::move(*opened);
    ASSERT_TRUE(
        db_->Exec("CREATE TABLE t (k TEXT PRIMARY KEY, n INTEGER NOT NULL, d TEXT, b BLOB)").ok());
  }

  SqlRows All() {
    auto rows = db_->Query("SELECT k, n, d IS NULL, d, b FROM t ORDER BY n");
    EXPECT_TRUE(rows.ok()) << rows.status();
    return rows.ok() ? *rows : SqlRows();
  }

  const UpsertStatements statements_{"t", {{"k"}, {"n"}, {"d", "NULLIF(?, '')"}, {"b"}}};
  std::unique_ptr<SqliteDb> db_;
};

TEST_F(BatchUpsertTest, EverySizeLandsWholeOnceEach) {
  // 0 … 130 rows: one statement of each power of two and their sums.
  for (int total : {1, 2, 3, 63, 64, 65, 127, 130}) {
    ASSERT_TRUE(db_->Exec("DELETE FROM t").ok());
    BatchUpsert rows(statements_);
    for (int i = 0; i < total; ++i) {
      const std::string key = "k" + std::to_string(i);
      rows.Put(key, key, int64_t{i}, "2020-01-01", SqlBlob{std::string(1, '\0') + key});
    }
    EXPECT_EQ(rows.size(), static_cast<size_t>(total));
    ASSERT_TRUE(rows.Write(*db_).ok());
    EXPECT_EQ(rows.size(), 0u);
    const SqlRows all = All();
    ASSERT_EQ(all.size(), total);
    for (int i = 0; i < total; ++i) {
      EXPECT_EQ(all.Int64(i, 1), i);
      EXPECT_EQ(all.Text(i, 4), std::string(1, '\0') + "k" + std::to_string(i));
    }
  }
}

TEST_F(BatchUpsertTest, TheLastRowOfAKeyWinsAndEmptyTextIsNull) {
  ASSERT_TRUE(db_->Exec("INSERT INTO t VALUES ('a', 1, 'old', NULL)").ok());
  BatchUpsert rows(statements_);
  rows.Put("a", "a", int64_t{2}, "", SqlBlob{"first"});
  rows.Put("b", "b", int64_t{3}, "2021-02-03", SqlBlob{"b"});
  rows.Put("a", "a", int64_t{4}, "", SqlBlob{"last"});
  EXPECT_EQ(rows.size(), 2u);
  ASSERT_TRUE(rows.Write(*db_).ok());
  const SqlRows all = All();
  ASSERT_EQ(all.size(), 2);
  EXPECT_EQ(all.Text(0, 0), "b");
  EXPECT_EQ(all.Text(0, 3), "2021-02-03");
  EXPECT_EQ(all.Text(1, 0), "a");
  EXPECT_EQ(all.Int64(1, 1), 4);
  EXPECT_EQ(all.Int64(1, 2), 1);  // d IS NULL: the old text replaced by none.
  EXPECT_EQ(all.Text(1, 4), "last");
}

}  // namespace
}  // namespace chitieu

// The CLI's CSV import: quoting, batching, and rows the JSON mapping
// refuses (each found by fuzz/csv_import_fuzz.cc or written beside it).

#include "clients/cli/csv_import.h"

#include <gtest/gtest.h>

#include <sstream>

namespace chitieu::cli {
namespace {

TEST(CsvFields, QuotesCommasAndDoubledQuotes) {
  EXPECT_EQ(CsvFields(R"(a,"b,c","d ""e""",)"),
            (std::vector<std::string>{"a", "b,c", "d \"e\"", ""}));
  EXPECT_EQ(CsvFields("x\r"), (std::vector<std::string>{"x"}));
  EXPECT_EQ(CsvFields(R"("unterminated,still one)"),
            (std::vector<std::string>{"unterminated,still one"}));
}

TEST(ReadImportCsv, RowsBecomeEnterprisesInBatchesOf500) {
  std::string csv = "enterprise_code,display_name,seat_unit,legal_form\n";
  for (int i = 0; i < 1001; ++i) {
    csv +=
        "0100233488,\"Công ty, số " + std::to_string(i) + "\",002,LEGAL_FORM_JOINT_STOCK_COMPANY\n";
  }
  csv += "\n  \n";  // Blank lines are skipped.
  std::istringstream in(csv);
  int rows = 0;
  const auto batches = ReadImportCsv(in, "test", &rows);
  EXPECT_EQ(rows, 1001);
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0]->enterprises_size(), 500);
  EXPECT_EQ(batches[2]->enterprises_size(), 1);
  EXPECT_EQ(batches[0]->source(), "test");
  const auto& e = batches[0]->enterprises(1);
  EXPECT_EQ(e.display_name(), "Công ty, số 1");
  EXPECT_EQ(e.seat_unit(), "units/002");
  EXPECT_EQ(e.legal_form(), type::v1::LEGAL_FORM_JOINT_STOCK_COMPANY);
}

TEST(ReadImportCsv, ARowTheMappingRefusesGoesWithItsCodeAlone) {
  std::istringstream in("enterprise_code,legal_form\n0100233488,NOT_A_FORM\n");
  int rows = 0;
  const auto batches = ReadImportCsv(in, "test", &rows);
  ASSERT_EQ(rows, 1);
  EXPECT_EQ(batches[0]->enterprises(0).enterprise_code(), "0100233488");
  EXPECT_EQ(batches[0]->enterprises(0).legal_form(), type::v1::LEGAL_FORM_UNSPECIFIED);
}

// Regression: bytes that are not UTF-8 made nlohmann::json throw out of the
// importer (and the CLI abort); now the row is sent for the registry to
// refuse.
TEST(ReadImportCsv, BytesThatAreNotUtf8DoNotThrow) {
  std::istringstream in("enterprise_code,display_name\n0100233488,\xff\xfe\xc3\n");
  int rows = 0;
  std::vector<std::unique_ptr<registry::v1::ImportEnterprisesRequest>> batches;
  EXPECT_NO_THROW(batches = ReadImportCsv(in, "test", &rows));
  EXPECT_EQ(rows, 1);
}

TEST(ReadImportCsv, EmptyInputIsNoBatch) {
  std::istringstream in("");
  int rows = -1;
  EXPECT_TRUE(ReadImportCsv(in, "test", &rows).empty());
  EXPECT_EQ(rows, 0);
}

}  // namespace
}  // namespace chitieu::cli

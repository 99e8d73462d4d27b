// End-to-end tests of the chitieu CLI against the whole stack: tables, JSON
// and CSV output, the documented exit codes, field violations in errors,
// and a CSV import.

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "services/registry/tax_code.h"
#include "tests/support/file_readers.h"
#include "tests/support/stack.h"
#include "tests/support/wait.h"

namespace chitieu {
namespace {

using ::chitieu::testing::Stack;

using Result = ::chitieu::testing::ShellResult;

class CliE2ETest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    stack_ = new Stack();
    ASSERT_TRUE(stack_->Start({{"k-city", "user:city", "city_admin", "units/01"},
                               {"k-th", "user:th", "district_officer", "units/003"},
                               {"k-hk", "user:hk", "district_officer", "units/002"}},
                              /*scenario=*/true))
        << stack_->error();
  }
  static void TearDownTestSuite() { delete stack_; }

  // Runs the CLI with the city's key in CHITIEU_API_KEY (unless `key`), in
  // the folder `cwd` if one is named.
  static Result Cli(const std::vector<std::string>& args, const std::string& key = "k-city",
                    const std::string& cwd = "") {
    std::string command =
        absl::StrCat(cwd.empty() ? "" : absl::StrCat("cd ", cwd, " && "),
                     "CHITIEU_ADDR=", stack_->gateway().address(), " CHITIEU_API_KEY=", key,
                     " HOME=", stack_->dir(), " ", CHITIEU_BIN_DIR, "/chitieu");
    for (const auto& a : args) {
      absl::StrAppend(&command, " '", a, "'");
    }
    return testing::RunShell(command, stack_->dir());
  }

  static Stack* stack_;
};

Stack* CliE2ETest::stack_ = nullptr;

TEST_F(CliE2ETest, ProgressAsTableJsonAndCsv) {
  Result table = Cli({"progress", "--unit", "002", "--year", "2013"});
  ASSERT_EQ(table.code, 0) << table.err;
  EXPECT_TRUE(absl::StrContains(table.out, "NEW_PARTY_ORGANIZATIONS  6       7")) << table.out;
  EXPECT_TRUE(absl::StrContains(table.out, "NEW_TRADE_UNIONS         23      24")) << table.out;

  Result json = Cli({"--output=json", "progress", "--unit=units/002", "--year=2012"});
  ASSERT_EQ(json.code, 0) << json.err;
  auto parsed = nlohmann::json::parse(json.out);
  EXPECT_EQ(parsed["indicators"][0]["target"], 5);
  EXPECT_EQ(parsed["indicators"][0]["achieved"], 3);
  EXPECT_EQ(parsed["indicators"][0]["status"], "PROGRESS_STATUS_NOT_MET");

  Result csv = Cli({"summary", "--unit", "002", "--as_of", "2013-12-31", "--output", "csv"});
  ASSERT_EQ(csv.code, 0) << csv.err;
  EXPECT_TRUE(absl::StrContains(csv.out, "ENTERPRISE_STATUS_SUSPENDED,1207")) << csv.out;
  EXPECT_TRUE(absl::StrContains(csv.out, "ENTERPRISE_STATUS_DISSOLVED,186")) << csv.out;
}

// `chitieu export` saves the year's table as the file the gateway answers:
// the lines `report export` prints, with a byte order mark and CRLF.
TEST_F(CliE2ETest, ExportSavesTheFile) {
  const std::string out = stack_->dir() + "/hk-2013.csv";
  Result saved = Cli({"export", "--unit", "002", "--year", "2013", "-o", out});
  ASSERT_EQ(saved.code, 0) << saved.err;
  EXPECT_TRUE(absl::StrContains(saved.out, "text/csv")) << saved.out;
  std::ifstream in(out, std::ios::binary);
  const std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Result lines = Cli({"report", "export", "--unit", "002", "--year", "2013"});
  ASSERT_EQ(lines.code, 0) << lines.err;
  EXPECT_EQ(file, "\xEF\xBB\xBF" + absl::StrReplaceAll(lines.out, {{"\n", "\r\n"}}));
  // Without -o: the name the gateway gave, in the current folder.
  Result named =
      Cli({"export", "--unit=002", "--year=2012", "--format=csv"}, "k-city", stack_->dir());
  ASSERT_EQ(named.code, 0) << named.err;
  const std::string first = stack_->dir() + "/chi-tieu-002-2012.csv";
  ASSERT_TRUE(std::filesystem::exists(first)) << named.out;
  // A name the gateway gave never replaces a file.
  std::ofstream(first, std::ios::trunc) << "mine";
  Result again = Cli({"export", "--unit=002", "--year=2012"}, "k-city", stack_->dir());
  EXPECT_NE(again.code, 0) << again.out;
  std::ifstream kept(first);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(kept), {}), "mine");
}

// The workbook and the year-end PDF, saved and read back as Excel and a
// PDF reader would.
TEST_F(CliE2ETest, TheWorkbookAndTheYearEndReportAreSaved) {
  const std::string xlsx = stack_->dir() + "/hk-2013.xlsx";
  Result saved = Cli({"export", "--unit=002", "--year=2013", "--format=xlsx", "-o", xlsx});
  ASSERT_EQ(saved.code, 0) << saved.err;
  std::ifstream book_in(xlsx, std::ios::binary);
  auto book = testing::WorkbookCells(std::string(std::istreambuf_iterator<char>(book_in), {}));
  ASSERT_TRUE(book.ok()) << book.status();
  const auto& indicators = (*book)["sheets"][0]["rows"];
  ASSERT_GT(indicators.size(), 4u) << book->dump();
  EXPECT_EQ(indicators[4][1], "INDICATOR_NEW_PARTY_ORGANIZATIONS");
  EXPECT_EQ(indicators[4][2], 6);
  EXPECT_EQ(indicators[4][3], 7);

  Result named = Cli({"report", "download", "--unit=002", "--year=2013"}, "k-hk", stack_->dir());
  ASSERT_EQ(named.code, 0) << named.err;
  const std::string pdf_path = stack_->dir() + "/bao-cao-nam-002-2013.pdf";
  ASSERT_TRUE(std::filesystem::exists(pdf_path)) << named.out;
  std::ifstream pdf_in(pdf_path, std::ios::binary);
  auto text = testing::PdfText(std::string(std::istreambuf_iterator<char>(pdf_in), {}));
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_TRUE(absl::StrContains(*text, "HOÀN KIẾM")) << *text;
  EXPECT_TRUE(absl::StrContains(*text, "7/6")) << *text;
  EXPECT_TRUE(absl::StrContains(*text, "Số liệu tạm tính")) << *text;
  // Another district's report: refused, nothing written.
  Result denied = Cli({"report", "download", "--unit=002", "--year=2012"}, "k-th", stack_->dir());
  EXPECT_EQ(denied.code, 5) << denied.out;
  EXPECT_FALSE(std::filesystem::exists(stack_->dir() + "/bao-cao-nam-002-2012.pdf"));
}

TEST_F(CliE2ETest, ExitCodesAndFieldViolations) {
  // 2: usage.
  EXPECT_EQ(Cli({"progress", "--unit", "002"}).code, 2);
  EXPECT_EQ(Cli({"no-such-command"}).code, 2);
  EXPECT_EQ(Cli({"progress", "--unit", "002", "--year", "2013", "--colour", "red"}).code, 2);
  // 3: invalid input, with the field named.
  Result bad = Cli({"enterprises", "create", "--code", "0100000001", "--name", "X", "--legal_form",
                    "joint_stock_company", "--seat", "00037", "--registered", "2013-01-01"});
  EXPECT_EQ(bad.code, 3) << bad.err;
  EXPECT_TRUE(absl::StrContains(bad.err, "INVALID_ARGUMENT")) << bad.err;
  EXPECT_TRUE(absl::StrContains(bad.err, "enterprise_code")) << bad.err;
  // 4: not found.
  EXPECT_EQ(Cli({"units", "get", "99999"}).code, 4);
  // 5: not allowed — a bad key, and Tây Hồ's officer reading Hoàn Kiếm.
  EXPECT_EQ(Cli({"units", "get", "002"}, "wrong").code, 5);
  Result denied = Cli({"progress", "--unit", "002", "--year", "2013"}, "k-th");
  EXPECT_EQ(denied.code, 5);
  EXPECT_TRUE(absl::StrContains(denied.err, "PERMISSION_DENIED")) << denied.err;
  // --help on a command, 0.
  Result help = Cli({"targets", "set", "--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_TRUE(absl::StrContains(help.out, "--indicator (required)")) << help.out;
}

TEST_F(CliE2ETest, WritesAndACsvImport) {
  std::string good1, good2;
  for (int s = 500; good1.empty(); ++s) {
    good1 = registry::MakeEnterpriseCode(1, s);
  }
  for (int s = 700; good2.empty(); ++s) {
    good2 = registry::MakeEnterpriseCode(1, s);
  }
  const std::string csv = stack_->dir() + "/import.csv";
  std::ofstream(csv)
      << "enterprise_code,display_name,legal_form,sector,seat_unit,registration_date\n"
      << good1
      << ",\"Công ty A, chi nhánh\",LEGAL_FORM_PARTNERSHIP,SECTOR_NON_STATE,00040,2013-02-01\n"
      << good2
      << ",Công ty B,LEGAL_FORM_SINGLE_MEMBER_LLC,SECTOR_NON_STATE,units/00040,2013-02-02\n"
      << "0100000001,Sai mã,LEGAL_FORM_PARTNERSHIP,SECTOR_NON_STATE,00040,2013-02-03\n";
  Result imported = Cli({"--output=json", "enterprises", "import", csv});
  ASSERT_EQ(imported.code, 0) << imported.err;
  auto summary = nlohmann::json::parse(imported.out);
  EXPECT_EQ(summary["rows"], "3");
  EXPECT_EQ(summary["created"], "2");
  EXPECT_EQ(summary["rejected"], "1");

  Result got = Cli({"enterprises", "get", good1});
  ASSERT_EQ(got.code, 0) << got.err;
  EXPECT_TRUE(absl::StrContains(got.out, "Công ty A, chi nhánh")) << got.out;

  Result founded =
      Cli({"organizations", "found", "--enterprise", good1, "--kind", "trade_union", "--date",
           "2013-05-01", "--decision", "5/QĐ", "--body", "hk-labour-federation"});
  EXPECT_EQ(founded.code, 0) << founded.err;
  Result listed = Cli({"--output=csv", "organizations", "list", good1});
  ASSERT_EQ(listed.code, 0) << listed.err;
  EXPECT_TRUE(absl::StrContains(listed.out, "ORGANIZATION_KIND_TRADE_UNION")) << listed.out;
}

TEST_F(CliE2ETest, AddressAndKeyFromTheConfigFile) {
  // HOME is the stack's folder in these runs: ~/.config/chitieu/config.
  std::filesystem::create_directories(stack_->dir() + "/.config/chitieu");
  std::ofstream(stack_->dir() + "/.config/chitieu/config")
      << "# chitieu CLI\naddr = " << stack_->gateway().address() << "\napi_key = k-city\n";
  const Result r =
      testing::RunShell(absl::StrCat("env -u CHITIEU_ADDR -u CHITIEU_API_KEY HOME=", stack_->dir(),
                                     " ", CHITIEU_BIN_DIR, "/chitieu units get 002"),
                        stack_->dir());
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(absl::StrContains(r.out + r.err, "Quận Hoàn Kiếm")) << r.out << r.err;
  std::filesystem::remove(stack_->dir() + "/.config/chitieu/config");
}

// The conformance scenario every client runs (clients/python/tests/
// test_conformance.py), through the CLI.
TEST_F(CliE2ETest, ConformanceScenario) {
  std::string code;
  for (int s = 9400; code.empty(); ++s) {
    code = registry::MakeEnterpriseCode(1, s);
  }
  const std::string year = "2023";
  ASSERT_EQ(Cli({"enterprises", "create", "--code", code, "--name", "Công ty CLI", "--legal_form",
                 "single_member_llc", "--seat", "00037", "--registered", "2022-01-15",
                 "--request_id", "cli-" + code})
                .code,
            0);
  Result target = Cli({"targets", "set", "--unit", "002", "--assigner", "01", "--indicator",
                       "new_trade_unions", "--year", year, "--value", "1"});
  ASSERT_EQ(target.code, 0) << target.err;
  auto trade_unions = [&]() {
    Result r = Cli({"--output=csv", "progress", "--unit", "002", "--year", year});
    for (absl::string_view line : absl::StrSplit(r.out, '\n')) {
      if (absl::StartsWith(line, "INDICATOR_NEW_TRADE_UNIONS,")) {
        return std::string(line);
      }
    }
    return std::string();
  };
  auto wait_for = [&](const std::string& prefix) {
    std::string row;
    testing::WaitFor([&] {
      row = trade_unions();
      return absl::StartsWith(row, prefix);
    });
    return row;
  };
  EXPECT_TRUE(absl::StartsWith(wait_for("INDICATOR_NEW_TRADE_UNIONS,1,0,"),
                               "INDICATOR_NEW_TRADE_UNIONS,1,0,"));
  Result founded =
      Cli({"organizations", "found", "--enterprise", code, "--kind", "trade_union", "--date",
           year + "-05-01", "--decision", "10/QĐ-LĐLĐ", "--body", "hk-labour-federation"});
  ASSERT_EQ(founded.code, 0) << founded.err;
  const std::string after = wait_for("INDICATOR_NEW_TRADE_UNIONS,1,1,");
  EXPECT_TRUE(absl::StrContains(after, "PROGRESS_STATUS_MET")) << after;
  Result denied = Cli({"progress", "--unit", "002", "--year", year}, "k-th");
  EXPECT_EQ(denied.code, 5);
  EXPECT_TRUE(absl::StrContains(denied.err, "PERMISSION_DENIED")) << denied.err;
  Result invalid =
      Cli({"enterprises", "create", "--code", "0100000001", "--name", "Sai mã", "--legal_form",
           "single_member_llc", "--seat", "00037", "--registered", "2013-01-01"});
  EXPECT_EQ(invalid.code, 3);
  EXPECT_TRUE(absl::StrContains(invalid.err, "enterprise.enterprise_code")) << invalid.err;
}

// The README's workflow: submit → approve → a late change shown → reopen →
// resubmit, each command with the key of the officer it names.
TEST_F(CliE2ETest, AReportSubmittedApprovedCorrectedAndResubmitted) {
  const std::string report = "units/002/reports/2013";
  Result submitted = Cli({"report", "submit", report}, "k-hk");
  ASSERT_EQ(submitted.code, 0) << submitted.err;
  EXPECT_TRUE(absl::StrContains(submitted.out, "SUBMITTED")) << submitted.out;
  EXPECT_TRUE(absl::StrContains(submitted.out, "sha256:")) << submitted.out;
  EXPECT_EQ(Cli({"report", "approve", report}, "k-hk").code, 5);  // Not the level above.
  Result approved = Cli({"report", "approve", report});
  ASSERT_EQ(approved.code, 0) << approved.err;
  EXPECT_TRUE(absl::StrContains(approved.out, "APPROVED")) << approved.out;

  std::string code;
  for (int s = 9900; code.empty(); ++s) {
    code = registry::MakeEnterpriseCode(1, s);
  }
  ASSERT_EQ(
      Cli({"enterprises", "create", "--code", code, "--name", "Công ty Ghi Nhận Muộn",
           "--legal_form", "single_member_llc", "--seat", "00040", "--registered", "2012-03-01"})
          .code,
      0);
  Result found = Cli({"organizations", "found", "--enterprise", code, "--kind", "youth_union",
                      "--date", "2013-12-20", "--decision", "6/QĐ-ĐTN", "--body", "hk-youth-union"},
                     "k-hk");
  ASSERT_EQ(found.code, 0) << found.err;
  nlohmann::json changed;
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        Result got = Cli({"--output=json", "report", "get", report});
        changed = nlohmann::json::parse(got.out, nullptr, false);
        return got.code == 0 && !changed["changesSinceSubmission"].empty();
      },
      std::chrono::seconds(30)));
  const auto& change = changed["changesSinceSubmission"][0];
  EXPECT_EQ(change["indicator"], "INDICATOR_NEW_YOUTH_UNIONS");
  EXPECT_EQ(change["submittedAchieved"], 12);
  EXPECT_EQ(change["liveAchieved"], 13);
  EXPECT_EQ(change["added"][0]["recordedBy"], "user:hk");

  EXPECT_EQ(Cli({"report", "reopen", report}).code, 2);  // --reason is required.
  ASSERT_EQ(Cli({"report", "reopen", report, "--reason", "Bổ sung đoàn thanh niên"}).code, 0);
  Result again = Cli({"--output=json", "report", "submit", report}, "k-hk");
  ASSERT_EQ(again.code, 0) << again.err;
  auto resubmitted = nlohmann::json::parse(again.out);
  EXPECT_EQ(resubmitted["state"], "REPORT_STATE_SUBMITTED");
  EXPECT_TRUE(resubmitted["changesSinceSubmission"].empty()) << again.out;

  Result history = Cli({"--output=csv", "report", "history", report});
  ASSERT_EQ(history.code, 0) << history.err;
  EXPECT_EQ(std::count(history.out.begin(), history.out.end(), '\n'), 1 + 4) << history.out;
  Result completeness = Cli({"report", "completeness", "--unit", "002", "--year", "2013"});
  ASSERT_EQ(completeness.code, 0) << completeness.err;
  EXPECT_TRUE(absl::StrContains(completeness.out, "units/002/reports/2013")) << completeness.out;
}

}  // namespace
}  // namespace chitieu

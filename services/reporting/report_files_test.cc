// The report files read back as their readers would open them: the PDF's
// text by pdftotext, the workbook's cells by openpyxl.

#include <gtest/gtest.h>

#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/reporting/report_documents.h"
#include "services/reporting/report_pdf.h"
#include "services/reporting/report_xlsx.h"
#include "tests/support/file_readers.h"

namespace chitieu::reporting {
namespace {

using ::chitieu::testing::Occurrences;
using ::chitieu::testing::PdfText;
using ::chitieu::testing::WorkbookCells;

pb::Progress Figures(int bodies) {
  pb::Progress p;
  for (auto [indicator, target, achieved] :
       {std::tuple{type::v1::INDICATOR_NEW_PARTY_ORGANIZATIONS, 6, 7},
        std::tuple{type::v1::INDICATOR_NEW_PARTY_MEMBERS, 23, 24},
        std::tuple{type::v1::INDICATOR_NEW_TRADE_UNIONS, 10, 4}}) {
    auto* ip = p.add_indicators();
    ip->set_indicator(indicator);
    ip->set_target(target);
    ip->set_achieved(achieved);
    ip->set_difference(achieved - target);
    ip->set_status(achieved > target    ? type::v1::PROGRESS_STATUS_EXCEEDED
                   : achieved == target ? type::v1::PROGRESS_STATUS_MET
                                        : type::v1::PROGRESS_STATUS_NOT_MET);
    auto* child = ip->add_by_child_unit();
    child->set_key("units/00037");
    child->set_display_name("Phường Phúc Tân");
    child->set_target(2);
    child->set_achieved(3);
    for (int b = 0; b < bodies; ++b) {
      auto* body = ip->add_by_body();
      body->set_key(absl::StrCat("bodies/b", b));
      body->set_display_name(b == 0 ? "=HYPERLINK(\"http://x\")" : absl::StrCat("Cơ quan số ", b));
      body->set_achieved(b % 3);
    }
  }
  return p;
}

pb::Report Approved(int late_records = 1) {
  pb::Report r;
  r.set_state(pb::REPORT_STATE_APPROVED);
  r.set_submitted_by("cán bộ phường");
  r.mutable_submit_time()->set_seconds(1389666600);  // 14/01/2014 09:30 in Hà Nội.
  r.set_approved_by("chánh văn phòng quận");
  r.mutable_approve_time()->set_seconds(1389753000);
  r.mutable_snapshot()->set_content_hash(std::string(64, 'a'));
  auto* change = r.add_changes_since_submission();
  change->set_indicator(type::v1::INDICATOR_NEW_PARTY_ORGANIZATIONS);
  change->set_submitted_achieved(7);
  change->set_submitted_target(6);
  change->set_live_achieved(8);
  change->set_live_target(6);
  for (int i = 0; i < late_records; ++i) {
    auto* added = change->add_added();
    added->set_name(absl::StrCat("enterprises/0101000038/organizations/", 69 + i));
    added->set_count(1);
    added->set_recorded_by("user:hk-officer");
  }
  return r;
}

TEST(YearEndPdf, PrintsAnOfficialReportOnA4WithItsVietnameseIntact) {
  const pb::Report approved = Approved();
  const YearEndContent content =
      YearEnd("Quận Hoàn Kiếm", 2013, Figures(0), Figures(60), {{1, 3000}, {3, 1516}}, &approved);
  auto pdf = YearEndPdf(content);
  ASSERT_TRUE(pdf.ok()) << pdf.status();
  ASSERT_TRUE(absl::StartsWith(*pdf, "%PDF-1.")) << pdf->substr(0, 10);
  // Kept beside the build for a person to look at.
  std::ofstream(absl::StrCat(CHITIEU_BIN_DIR, "/../year-end-report.pdf"), std::ios::binary) << *pdf;
  auto text = PdfText(*pdf, absl::StrCat(CHITIEU_BIN_DIR, "/../year-end-report-page1.png"));
  ASSERT_TRUE(text.ok()) << text.status();
  for (const char* expected : {"QUẬN HOÀN KIẾM",
                               "ĐẢNG CỘNG SẢN VIỆT NAM",
                               "Hà Nội, ngày 15 tháng 01 năm 2014",
                               "BÁO CÁO",
                               "Kết quả thực hiện Nghị quyết 09-NQ/TU năm 2013",
                               "SỐ LIỆU ĐÃ ĐƯỢC PHÊ DUYỆT",
                               "chánh văn phòng quận",
                               "Tổ chức đảng thành lập mới",
                               "7/6",
                               "24/23",
                               "Vượt 1",
                               "Chưa đạt",
                               "Bỏ địa điểm kinh doanh",
                               "1516",
                               "Tổng số doanh nghiệp đăng ký",
                               "4516",
                               "Cơ quan số 59",
                               "T/M BAN THƯỜNG VỤ",
                               "4. Thay đổi sau khi gửi báo cáo",
                               "enterprises/0101000038/organizations/69",
                               "Nơi nhận:",
                               "@@ Page size: 595.276 x 841.89 pts (A4)"}) {
    EXPECT_TRUE(absl::StrContains(*text, expected)) << expected << "\n" << *text;
  }
  EXPECT_EQ(Occurrences(*text, "SỐ LIỆU ĐÃ ĐƯỢC PHÊ DUYỆT"), 1);
  EXPECT_EQ(Occurrences(*text, "Số liệu tạm tính"), 0);
  // Sixty bodies do not fit on one page: the table goes on, its heading
  // row repeated, every page numbered.
  EXPECT_FALSE(absl::StrContains(*text, "@@ Pages: 1\n")) << *text;
  EXPECT_TRUE(absl::StrContains(*text, "Trang 2")) << *text;
  EXPECT_GE(Occurrences(*text, "Cơ quan  "), 2) << *text;
}

// Two hundred records changed since the approval: every one is printed,
// the list going on across pages.
TEST(YearEndPdf, ALongListOfChangesGoesOnAcrossPages) {
  const pb::Report approved = Approved(200);
  auto pdf =
      YearEndPdf(YearEnd("Quận Hoàn Kiếm", 2013, Figures(0), Figures(1), {{1, 3}}, &approved));
  ASSERT_TRUE(pdf.ok()) << pdf.status();
  auto text = PdfText(*pdf);
  ASSERT_TRUE(text.ok()) << text.status();
  for (int i = 0; i < 200; ++i) {
    EXPECT_EQ(Occurrences(*text, absl::StrCat("organizations/", 69 + i, " ")), 1) << i;
  }
  EXPECT_FALSE(absl::StrContains(*text, "@@ Pages: 1\n")) << *text;
  EXPECT_FALSE(absl::StrContains(*text, "@@ Pages: 2\n")) << *text;
}

// A cell of three hundred lines is taller than a page: its row goes on
// across pages, every line printed once.
TEST(YearEndPdf, ARowTallerThanAPageIsSplitByLines) {
  YearEndContent content = YearEnd("Phường Phúc Tân", 2013, Figures(0), Figures(0), {}, nullptr);
  std::vector<std::string> lines;
  for (int i = 0; i < 300; ++i) {
    lines.push_back(absl::StrCat("dòng-", i, "-hết"));
  }
  content.tables.push_back(DocumentTable{
      "5. Ghi chú", {"Mục", "Nội dung"}, {false, false}, {{"Một", absl::StrJoin(lines, "\n")}}});
  auto pdf = YearEndPdf(content);
  ASSERT_TRUE(pdf.ok()) << pdf.status();
  auto text = PdfText(*pdf);
  ASSERT_TRUE(text.ok()) << text.status();
  for (int i = 0; i < 300; ++i) {
    EXPECT_EQ(Occurrences(*text, absl::StrCat("dòng-", i, "-hết")), 1) << i << "\n" << *text;
  }
  EXPECT_FALSE(absl::StrContains(*text, "@@ Pages: 1\n")) << *text;
  EXPECT_FALSE(absl::StrContains(*text, "@@ Pages: 2\n")) << *text;
}

TEST(YearEndPdf, SaysWhenItsFiguresAreNotApprovedYet) {
  auto pdf = YearEndPdf(YearEnd("Phường Phúc Tân", 2013, Figures(0), Figures(2), {}, nullptr));
  ASSERT_TRUE(pdf.ok()) << pdf.status();
  auto text = PdfText(*pdf);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(Occurrences(*text, "Số liệu tạm tính"), 1) << *text;
  EXPECT_EQ(Occurrences(*text, "PHÊ DUYỆT"), 0) << *text;
  EXPECT_TRUE(absl::StrContains(*text, "Hà Nội, ngày")) << *text;
  EXPECT_TRUE(absl::StrContains(*text, "@@ Pages: 1\n")) << *text;
}

TEST(ProgressWorkbook, HasFourSheetsOfNumbersAndNoFormulas) {
  const pb::Report approved = Approved();
  auto xlsx = ProgressWorkbook("units/002", "Quận Hoàn Kiếm", 2013, Figures(3),
                               {{1, 3000}, {3, 1516}}, &approved);
  ASSERT_TRUE(xlsx.ok()) << xlsx.status();
  auto book = WorkbookCells(*xlsx);
  ASSERT_TRUE(book.ok()) << book.status();
  const auto& sheets = (*book)["sheets"];
  ASSERT_EQ(sheets.size(), 4u) << book->dump();
  EXPECT_EQ(sheets[0]["name"], "Chỉ tiêu");
  EXPECT_EQ(sheets[1]["name"], "Theo đơn vị");
  EXPECT_EQ(sheets[2]["name"], "Theo cơ quan");
  EXPECT_EQ(sheets[3]["name"], "Doanh nghiệp");
  // Title, note, a blank row, the heading, then a row per indicator.
  const auto& indicators = sheets[0]["rows"];
  EXPECT_TRUE(absl::StrContains(indicators[0][0].get<std::string>(), "Quận Hoàn Kiếm"));
  EXPECT_TRUE(absl::StrContains(indicators[1][0].get<std::string>(), "chánh văn phòng quận"));
  EXPECT_EQ(indicators[3][0], "Chỉ tiêu");
  EXPECT_EQ(indicators[4][0], "Tổ chức đảng thành lập mới");
  EXPECT_EQ(indicators[4][1], "INDICATOR_NEW_PARTY_ORGANIZATIONS");
  EXPECT_TRUE(indicators[4][2].is_number()) << indicators[4].dump();
  EXPECT_EQ(indicators[4][2], 6);
  EXPECT_EQ(indicators[4][3], 7);
  EXPECT_EQ(indicators[4][4], 1);
  EXPECT_EQ(indicators[6][4], -6);
  EXPECT_EQ(indicators[6][5], "Chưa đạt");
  const auto& children = sheets[1]["rows"];
  EXPECT_EQ(children[4][1], "units/00037");
  EXPECT_EQ(children[4][4], 3);
  // A name that looks like a formula is text, not a formula.
  const auto& bodies = sheets[2]["rows"];
  EXPECT_EQ(bodies[4][2], "=HYPERLINK(\"http://x\")") << bodies[4].dump();
  EXPECT_EQ(bodies.size(), 4u + 9u);
  const auto& statuses = sheets[3]["rows"];
  EXPECT_EQ(statuses[4][0], "Tổng số doanh nghiệp đăng ký");
  EXPECT_EQ(statuses[4][1], 4516);
  EXPECT_EQ(statuses[6][0], "Bỏ địa điểm kinh doanh");
  EXPECT_EQ(statuses[6][1], 1516);
}

}  // namespace
}  // namespace chitieu::reporting

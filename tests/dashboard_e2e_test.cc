// The web dashboard, end to end: the gateway serves the built dashboard at /
// (with its security headers) next to the API, and a real browser (Debian's
// chromium, driven by playwright-core in tests/dashboard/browser_test.mjs)
// signs in, reads Hoàn Kiếm's 2013 figures, is shown a field violation,
// registers an organization and sees the figure move beside the approved
// one; and drives a whole year of reports, ward to city. Screenshots go to
// the build folder (dashboard-screenshots/). Also CORS: another system's
// page, on an origin the gateway lists, calls the API from the browser.

#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <thread>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "tests/support/stack.h"

namespace chitieu::testing {
namespace {

constexpr char kKey[] = "k-dashboard";
constexpr char kCity[] = "k-city";
constexpr char kDistrict[] = "k-district";
constexpr char kWardA[] = "k-ward-a";
constexpr char kWardB[] = "k-ward-b";

class DashboardE2ETest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(std::string(CHITIEU_DASHBOARD_DIR) + "/dist/index.html"))
        << "build the dashboard first (scripts/lib.sh build does)";
    ASSERT_TRUE(stack_.Start(
        {{kKey, "user:hk-officer", "city_admin", "units/01"},
         {kCity, "user:city-admin", "city_admin", "units/01"},
         {kDistrict, "user:hk-district", "district_officer", "units/002"},
         {kWardA, "user:ward-00037", "district_officer", "units/00037"},
         {kWardB, "user:ward-00040", "district_officer", "units/00040"}},
        {.scenario = true,
         .approvals = true,
         .gateway_args = {std::string("--dashboard_dir=") + CHITIEU_DASHBOARD_DIR + "/dist"}}))
        << stack_.error();
  }
  Stack stack_;
};

TEST_F(DashboardE2ETest, ServedAtTheRootWithItsHeadersBesideTheApi) {
  httplib::Client http("127.0.0.1", stack_.http_port());
  auto page = http.Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("<title>Chỉ tiêu</title>"), std::string::npos);
  EXPECT_NE(page->get_header_value("Content-Security-Policy").find("default-src 'self'"),
            std::string::npos);
  EXPECT_EQ(page->get_header_value("X-Content-Type-Options"), "nosniff");
  // The API is still there, and still wants credentials.
  auto api = http.Get("/v1/units/002/progress?year=2013");
  ASSERT_TRUE(api);
  EXPECT_EQ(api->status, 401);
}

TEST_F(DashboardE2ETest, InARealBrowser) {
  const std::string shots = std::string(CHITIEU_BUILD_DIR) + "/dashboard-screenshots";
  const ShellResult r = RunShell(
      "node " CHITIEU_SOURCE_DIR "/tests/dashboard/browser_test.mjs http://127.0.0.1:" +
          std::to_string(stack_.http_port()) + " " + kKey + " " CHITIEU_DASHBOARD_DIR " " + shots,
      stack_.dir());
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(std::filesystem::exists(shots + "/05-hoan-kiem-2013-after.png"));
}

// A year the seed leaves open (2014), driven through the dashboard by the
// officers of each level on a stack of its own (docs/APPROVALS.md).
TEST_F(DashboardE2ETest, AWholeYearOfReportsWardToCity) {
  const std::string shots = std::string(CHITIEU_BUILD_DIR) + "/dashboard-screenshots";
  const ShellResult r =
      RunShell(absl::StrCat("node " CHITIEU_SOURCE_DIR "/tests/dashboard/approval_year_test.mjs "
                            "http://127.0.0.1:",
                            stack_.http_port(), " " CHITIEU_DASHBOARD_DIR " ", shots, " ", kCity,
                            " ", kDistrict, " ", kWardA, " ", kWardB),
               stack_.dir());
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(std::filesystem::exists(shots + "/a5-resubmitted.png"));
}

// Another government system's page in the browser, on an origin the gateway
// lists (--cors_allowed_origins), calls the API with a bearer key and reads
// the answers, an error's included; a page on any other origin reads
// nothing (tests/dashboard/cors_test.mjs). The pages come from a server of
// the test's: http://localhost:PORT is listed, http://127.0.0.1:PORT (the
// same server, another origin) is not.
TEST(CorsE2ETest, AListedOriginsPageCallsTheApiFromTheBrowser) {
  httplib::Server pages;
  pages.Get("/portal.html", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("<!doctype html><title>Cổng thông tin</title>", "text/html; charset=utf-8");
  });
  const int port = pages.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  std::thread serving([&] { pages.listen_after_bind(); });
  // Bound and listening already: a connection waits in the backlog until
  // the loop accepts it.
  absl::Cleanup stop = [&] {
    pages.stop();
    serving.join();
  };
  const std::string listed = absl::StrCat("http://localhost:", port);
  const std::string unlisted = absl::StrCat("http://127.0.0.1:", port);
  Stack stack;
  ASSERT_TRUE(stack.Start({{kCity, "user:city-admin", "city_admin", "units/01"}},
                          {.gateway_args = {"--cors_allowed_origins=" + listed}}))
      << stack.error();
  const std::string shots = std::string(CHITIEU_BUILD_DIR) + "/dashboard-screenshots";
  const ShellResult r = RunShell(
      absl::StrCat("node " CHITIEU_SOURCE_DIR "/tests/dashboard/cors_test.mjs http://127.0.0.1:",
                   stack.http_port(), " ", kCity, " ", listed, " ", unlisted,
                   " " CHITIEU_DASHBOARD_DIR " ", shots),
      stack.dir());
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("cors: passed"), std::string::npos) << r.out << r.err;
}

}  // namespace
}  // namespace chitieu::testing

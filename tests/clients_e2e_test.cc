// Runs each generated client's tests (the conformance scenario) and its
// example against one live stack: Python (Debian's python3-grpcio),
// TypeScript (@grpc/grpc-js on Node.js), Go (Debian's Go packages), and
// the HTTP/JSON client generated from the OpenAPI document
// (clients/http-typescript: openapi-typescript and openapi-fetch).
// Each gets its own tax code and year so that their writes do not meet.

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/registry/tax_code.h"
#include "tests/support/stack.h"

namespace chitieu {
namespace {

using ::chitieu::testing::Stack;

struct Result {
  int code = -1;
  std::string output;
};

class ClientsE2ETest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    stack_ = new Stack();
    ASSERT_TRUE(stack_->Start({{"k-city", "user:city", "city_admin", "units/01"},
                               {"k-th", "user:th", "district_officer", "units/003"},
                               {"k-hk", "user:hk", "district_officer", "units/002"}},
                              /*scenario=*/false))
        << stack_->error();
  }
  static void TearDownTestSuite() { delete stack_; }

  // Runs `command` in the source tree with the scenario's environment.
  static Result Run(const std::string& command, int seq, int year) {
    std::string code;
    for (int s = seq; code.empty(); ++s) {
      code = registry::MakeEnterpriseCode(1, s);
    }
    const testing::ShellResult r = testing::RunShell(
        absl::StrCat("cd ", CHITIEU_SOURCE_DIR,
                     " && export CHITIEU_ADDR=", stack_->gateway().address(),
                     " CHITIEU_HTTP_URL=http://127.0.0.1:", stack_->http_port(),
                     " CHITIEU_API_KEY=k-city CHITIEU_OFFICER_KEY=k-th CHITIEU_DISTRICT_KEY=k-hk",
                     " CHITIEU_TEST_ENTERPRISE=", code, " CHITIEU_TEST_YEAR=", year,
                     " CHITIEU_BUILD_DIR=", CHITIEU_BUILD_DIR, " && ", command),
        stack_->dir());
    return {r.code, r.out + r.err};
  }

  // Runs a client's tests (which must pass, print `passed`, skip nothing,
  // and show both errors' details) and its example (Hoàn Kiếm's progress).
  static void ExpectConformance(const std::string& tests_command, const std::string& passed,
                                const std::string& example_command, int seq, int year) {
    Result tests = Run(tests_command, seq, year);
    EXPECT_EQ(tests.code, 0) << tests.output;
    EXPECT_TRUE(absl::StrContains(tests.output, passed)) << tests.output;
    // node:test and go test mark a skip "SKIP", unittest "skipped=".
    EXPECT_FALSE(absl::StrContains(tests.output, "SKIP") ||
                 absl::StrContains(tests.output, "skipped="))
        << tests.output;
    EXPECT_TRUE(absl::StrContains(tests.output, "PERMISSION_DENIED") ||
                absl::StrContains(tests.output, "PermissionDenied"))
        << tests.output;
    EXPECT_TRUE(absl::StrContains(tests.output, "enterprise.enterprise_code")) << tests.output;
    Result example = Run(example_command, seq + 10, year);
    EXPECT_EQ(example.code, 0) << example.output;
    EXPECT_TRUE(absl::StrContains(example.output, "NEW_PARTY_ORGANIZATIONS  target   6"))
        << example.output;
  }

  static Stack* stack_;
};

Stack* ClientsE2ETest::stack_ = nullptr;

TEST_F(ClientsE2ETest, Python) {
  ExpectConformance("/usr/bin/python3 -m unittest discover -s clients/python/tests -v",
                    "Ran 2 tests", "/usr/bin/python3 clients/python/examples/progress.py", 9100,
                    2020);
}

TEST_F(ClientsE2ETest, TypeScript) {
  ExpectConformance("cd clients/typescript && node --test dist/test/", "# pass 2",
                    "node clients/typescript/dist/examples/progress.js", 9200, 2021);
}

// Also the HTTP conventions: a PATCH's mask from its body, masks in
// lowerCamel (the scenario in clients/http-typescript/test).
TEST_F(ClientsE2ETest, HttpTypeScript) {
  ExpectConformance("cd clients/http-typescript && node --test dist/test/", "# pass 2",
                    "node clients/http-typescript/dist/examples/progress.js", 9400, 2023);
}

// The document the gateway serves is the one the HTTP client was generated
// from (chitieu-openapi's, in the build tree).
TEST_F(ClientsE2ETest, TheServedOpenApiDocumentIsTheOneClientsAreMadeFrom) {
  const testing::ShellResult served = testing::RunShell(
      absl::StrCat("curl -sS --fail http://127.0.0.1:", stack_->http_port(),
                   "/openapi.json | cmp - ", CHITIEU_BUILD_DIR, "/openapi.json && echo same"),
      stack_->dir());
  EXPECT_EQ(served.code, 0) << served.out << served.err;
  EXPECT_TRUE(absl::StrContains(served.out, "same")) << served.out << served.err;
}

TEST_F(ClientsE2ETest, Go) {
  ExpectConformance("clients/go/go.sh test", "--- PASS: TestConformance",
                    "clients/go/go.sh example", 9300, 2022);
}

}  // namespace
}  // namespace chitieu

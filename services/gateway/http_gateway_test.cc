// Unit tests of the HTTP/JSON handler's own parts: the dashboard's files
// served by name only, CORS, and URL decoding. (The listener and the whole
// path are tests/http_front_e2e_test.cc.)
#include "services/gateway/http_gateway.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "absl/strings/match.h"
#include "chitieu/gateway/v1/gateway.grpc.pb.h"
#include "chitieu/registry/v1/registry.grpc.pb.h"
#include "libs/common/file_types.h"
#include "services/gateway/file_answer.h"

namespace chitieu::gateway {
namespace {

// Records the answer a handler gives.
class Recorder : public HttpResponder {
 public:
  void Send(int status, const std::string&, std::string body, const HttpHeaders& headers) override {
    this->status = status;
    this->body = std::move(body);
    this->headers = headers;
  }
  bool StartStream(int status, const std::string&, const HttpHeaders& headers) override {
    this->status = status;
    this->headers = headers;
    return true;
  }
  bool Write(const std::string& piece) override {
    body += piece;
    return true;
  }
  void EndStream() override {}
  // The value of the header of that name, or "(none)".
  std::string Header(const std::string& name) const {
    for (const auto& [n, v] : headers) {
      if (n == name) {
        return v;
      }
    }
    return "(none)";
  }
  int status = 0;
  std::string body;
  HttpHeaders headers;
};

class DashboardFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    (void)registry::v1::Unit::descriptor();
    (void)gateway::v1::AuditEntry::descriptor();
    auto built = Transcoder::Build({"chitieu.registry.v1.RegistryService"});
    ASSERT_TRUE(built.ok()) << built.status();
    transcoder_ = std::make_unique<Transcoder>(std::move(*built));
    root_ = ::testing::TempDir() + "/dashboard-" + std::to_string(getpid());
    std::filesystem::create_directories(root_ + "/dist/assets");
    std::filesystem::create_directories(root_ + "/dist-old");
    std::ofstream(root_ + "/dist/index.html") << "index";
    std::ofstream(root_ + "/dist/assets/app.js") << "app";
    std::ofstream(root_ + "/dist/.env") << "SECRET-CONTENT";
    std::ofstream(root_ + "/dist-old/x.html") << "SIBLING-CONTENT";
    std::ofstream(root_ + "/outside.txt") << "OUTSIDE-CONTENT";
    std::filesystem::create_symlink(root_ + "/outside.txt", root_ + "/dist/link.txt");
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  Recorder Get(const std::string& dir, const std::string& target) {
    // No gRPC server behind: whatever is not a file fails as a call.
    HttpGateway gateway(transcoder_.get(),
                        grpc::CreateChannel("unix:/nonexistent/chitieu-test.sock",
                                            grpc::InsecureChannelCredentials()),
                        HttpFrontOptions{}, dir);
    HttpRequest request;
    request.method = "GET";
    request.target = target;
    Recorder recorder;
    gateway.Handle(request, recorder);
    return recorder;
  }

  std::unique_ptr<Transcoder> transcoder_;
  std::string root_;
};

TEST_F(DashboardFilesTest, ServesItsOwnFilesByName) {
  EXPECT_EQ(Get(root_ + "/dist", "/").body, "index");
  EXPECT_EQ(Get(root_ + "/dist", "/assets/app.js").body, "app");
  EXPECT_EQ(Get(root_ + "/dist/", "/assets/app.js").body, "app");
}

// Review finding: a target not starting with "/" ("-old/x.html") reached a
// sibling folder, and with a trailing "/" on the folder, ".env" a hidden
// file. None of these is a dashboard file; they fall through to the API
// (no route: 404).
TEST_F(DashboardFilesTest, ServesNothingElse) {
  for (const std::string target :
       {"-old/x.html", "/../outside.txt", "/%2e%2e/outside.txt", "/.env", "/assets/../index.html",
        "/link.txt", "/assets//app.js", "/index.html%00.js"}) {
    for (const std::string dir : {root_ + "/dist", root_ + "/dist/"}) {
      const Recorder r = Get(dir, target);
      EXPECT_NE(r.status, 200) << dir << " " << target << ": " << r.body;
      EXPECT_EQ(r.body.find("SIBLING-CONTENT"), std::string::npos) << target;
      EXPECT_EQ(r.body.find("OUTSIDE-CONTENT"), std::string::npos) << target;
      EXPECT_EQ(r.body.find("SECRET-CONTENT"), std::string::npos) << target;
    }
  }
}

TEST(CorsPolicy, TakesOnlyOrigins) {
  auto policy =
      CorsPolicy::Parse(" https://Portal.Hanoi.gov.vn, http://127.0.0.1:5173,http://[::1]:8080 ");
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_FALSE(policy->empty());
  EXPECT_TRUE(CorsPolicy::Parse("")->empty());
  EXPECT_TRUE(CorsPolicy::Parse("https://my_host.gov.vn,https://xn--h-ufa.vn:8443").ok());
  // Each refused entry is one a browser never sends as its origin.
  for (const char* bad : {"*",
                          "null",
                          "https://a.vn/",
                          "https://a.vn/path",
                          "ftp://a.vn",
                          "https://a.vn:0",
                          "https://a.vn:99999",
                          "https://",
                          "https://a.vn:",
                          "https://a b.vn",
                          "https://a.vn:+80",
                          "https://a.vn?x",
                          "https://[]",
                          "https://[::1",
                          "https://a.vn,*",
                          "https://a.vn:443",
                          "http://a.vn:80",
                          "https://a.vn:080",
                          "http://127.1",
                          "http://2130706433",
                          "http://[0:0::1]",
                          "http://[1.2.3.4]",
                          "https://a..vn",
                          "https://-a.vn",
                          "https://a.vn.",
                          "https://u@a.vn",
                          "http://010.0.0.1"}) {
    auto refused = CorsPolicy::Parse(bad);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

class CorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    (void)registry::v1::Unit::descriptor();
    auto built = Transcoder::Build({"chitieu.registry.v1.RegistryService"});
    ASSERT_TRUE(built.ok()) << built.status();
    transcoder_ = std::make_unique<Transcoder>(std::move(*built));
  }
  Recorder Send(const std::string& allowed, const std::string& method, const std::string& target,
                const HttpHeaders& headers) {
    auto cors = CorsPolicy::Parse(allowed);
    EXPECT_TRUE(cors.ok()) << cors.status();
    // No gRPC server behind: a routed call fails as a call (503).
    HttpGateway gateway(transcoder_.get(),
                        grpc::CreateChannel("unix:/nonexistent/chitieu-test.sock",
                                            grpc::InsecureChannelCredentials()),
                        HttpFrontOptions{}, "", *cors);
    HttpRequest request;
    request.method = method;
    request.target = target;
    request.headers = headers;
    Recorder recorder;
    gateway.Handle(request, recorder);
    return recorder;
  }
  Recorder Preflight(const std::string& origin, const std::string& method,
                     const std::string& asked_headers = "") {
    HttpHeaders headers = {{"Origin", origin}, {"Access-Control-Request-Method", method}};
    if (!asked_headers.empty()) {
      headers.emplace_back("Access-Control-Request-Headers", asked_headers);
    }
    return Send(kListed, "OPTIONS", "/v1/enterprises/0100233488", headers);
  }

  static constexpr char kListed[] = "https://portal.hanoi.gov.vn";
  std::unique_ptr<Transcoder> transcoder_;
};

TEST_F(CorsTest, AListedOriginsPreflightIsAnsweredWithWhatTheApiTakes) {
  const Recorder r = Preflight(kListed, "PATCH", "authorization, Content-Type,x-request-id");
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.Header("Access-Control-Allow-Origin"), kListed);
  EXPECT_EQ(r.Header("Access-Control-Allow-Methods"), "GET, POST, PATCH, PUT, DELETE");
  EXPECT_EQ(r.Header("Access-Control-Allow-Headers"), "Authorization, Content-Type, X-Request-Id");
  EXPECT_EQ(r.Header("Access-Control-Allow-Credentials"), "(none)");
}

TEST_F(CorsTest, AnyOtherPreflightIsRefusedWithNoPermission) {
  for (const Recorder& r :
       {Preflight("https://evil.example", "GET"), Preflight("null", "GET"),
        Preflight("https://PORTAL.hanoi.gov.vn", "GET"), Preflight(kListed, "T"),
        Preflight(kListed, "CONNECT"), Preflight(kListed, "GET", "authorization, x-evil"),
        Preflight("https://portal.hanoi.gov.vn.evil.example", "GET")}) {
    EXPECT_EQ(r.status, 403) << r.body;
    EXPECT_EQ(r.Header("Access-Control-Allow-Origin"), "(none)");
    EXPECT_TRUE(absl::StrContains(r.body, "\"code\":7")) << r.body;
  }
}

TEST_F(CorsTest, AnswersCarryThePermissionForAListedOriginOnly) {
  // An error answer too: the browser's caller must be able to read it.
  Recorder r = Send(kListed, "GET", "/v1/nothing", {{"Origin", kListed}});
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.Header("Access-Control-Allow-Origin"), kListed);
  EXPECT_EQ(r.Header("Access-Control-Expose-Headers"), "Retry-After, Content-Disposition");
  EXPECT_EQ(r.Header("Vary"), "Origin");
  r = Send(kListed, "GET", "/openapi.json", {{"Origin", "https://evil.example"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Access-Control-Allow-Origin"), "(none)");
  EXPECT_EQ(r.Header("Vary"), "Origin");
}

TEST_F(CorsTest, TwoOriginsAreNobodys) {
  Recorder r = Send(kListed, "GET", "/openapi.json",
                    {{"Origin", kListed}, {"origin", "https://evil.example"}});
  EXPECT_EQ(r.Header("Access-Control-Allow-Origin"), "(none)");
  r = Send(kListed, "OPTIONS", "/v1/units",
           {{"Origin", kListed}, {"Origin", kListed}, {"Access-Control-Request-Method", "GET"}});
  EXPECT_EQ(r.status, 403);
}

TEST(HeadersAddingResponder, AddsToAnswersAndStreams) {
  Recorder inner;
  HeadersAddingResponder added(inner, {{"Vary", "Origin"}});
  ASSERT_TRUE(added.StartStream(200, "application/x-ndjson", {{"X-One", "1"}}));
  EXPECT_EQ(inner.Header("Vary"), "Origin");
  EXPECT_EQ(inner.Header("X-One"), "1");
  Recorder other;
  HeadersAddingResponder again(other, {{"Vary", "Origin"}});
  again.Send(404, "application/json", "{}", {});
  EXPECT_EQ(other.status, 404);
  EXPECT_EQ(other.Header("Vary"), "Origin");
}

TEST_F(CorsTest, NothingIsAllowedByDefault) {
  Recorder r = Send("", "OPTIONS", "/v1/enterprises/0100233488",
                    {{"Origin", kListed}, {"Access-Control-Request-Method", "GET"}});
  EXPECT_EQ(r.status, 404);  // No route takes OPTIONS.
  EXPECT_TRUE(r.headers.empty());
  r = Send("", "GET", "/openapi.json", {{"Origin", kListed}});
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.headers.empty());
}

TEST(FileAnswer, NamesTheFileWithoutLettingItsNameOutOfTheHeader) {
  const FileType& csv = *FileTypeOfFormat("CSV");
  auto answer = FileAnswerOf(FileBody(csv, "x", "chỉ-tiêu 002 (2013).csv"));
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(answer->content_type, "text/csv; charset=utf-8");
  ASSERT_FALSE(answer->headers.empty());
  EXPECT_EQ(answer->headers[0].second,
            "attachment; filename=\"ch___-ti__u 002 (2013).csv\"; "
            "filename*=UTF-8''ch%E1%BB%89-ti%C3%AAu%20002%20%282013%29.csv");
  // Whatever a stored name holds, the header gets only safe bytes.
  for (const std::string name :
       {std::string("a\"; evil=1.csv"), std::string("a\r\nSet-Cookie: x=1.csv")}) {
    auto hostile = FileAnswerOf(FileBody(csv, "x", name));
    ASSERT_TRUE(hostile.ok());
    const std::string& value = hostile->headers[0].second;
    EXPECT_EQ(value.find('\r'), std::string::npos) << value;
    EXPECT_EQ(value.find('\n'), std::string::npos) << value;
    EXPECT_EQ(std::count(value.begin(), value.end(), '"'), 2) << value;
  }
  // Names that are no file name become download.<extension>.
  for (const std::string name :
       {std::string(""), std::string("../x.csv"), std::string(".env"), std::string("a/b.csv"),
        std::string("a\\b.csv"), std::string("\xC3\x28.csv"), std::string(300, 'a'),
        std::string("page.html")}) {
    auto renamed = FileAnswerOf(FileBody(csv, "x", name));
    ASSERT_TRUE(renamed.ok());
    EXPECT_EQ(renamed->headers[0].second,
              "attachment; filename=\"download.csv\"; filename*=UTF-8''download.csv")
        << name;
  }
  // A type the API does not serve is the service's fault, not the file's.
  google::api::HttpBody html = FileBody(csv, "<script>", "a.html");
  html.set_content_type("text/html");
  EXPECT_EQ(FileAnswerOf(html).status().code(), absl::StatusCode::kInternal);
}

TEST(UrlDecoding, QueryAndPath) {
  auto q = ParseQueryString("a=1&b=x+y&c=%C3%A9&a=2&flag&=v");
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->count("a"), 2u);
  EXPECT_EQ(q->find("b")->second, "x y");
  EXPECT_EQ(q->find("c")->second, "\xc3\xa9");
  EXPECT_EQ(q->find("flag")->second, "");
  EXPECT_EQ(q->find("")->second, "v");
  for (const char* bad : {"a=%", "a=%4", "a=%zz", "%g0=1"}) {
    EXPECT_EQ(ParseQueryString(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(*DecodeUrlPath("/v1/units/002+x%2F"), "/v1/units/002+x/");
  EXPECT_FALSE(DecodeUrlPath("/v1/%").ok());
}

}  // namespace
}  // namespace chitieu::gateway

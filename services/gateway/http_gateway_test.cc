// Unit tests of the HTTP/JSON handler's own parts: the dashboard's files
// served by name only, and URL decoding. (The listener and the whole path
// are tests/http_front_e2e_test.cc.)
#include "services/gateway/http_gateway.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "chitieu/gateway/v1/gateway.grpc.pb.h"
#include "chitieu/registry/v1/registry.grpc.pb.h"

namespace chitieu::gateway {
namespace {

// Records the answer a handler gives.
class Recorder : public HttpResponder {
 public:
  void Send(int status, const std::string&, std::string body, const HttpHeaders&) override {
    this->status = status;
    this->body = std::move(body);
  }
  bool StartStream(int status, const std::string&) override {
    this->status = status;
    return true;
  }
  bool Write(const std::string& piece) override {
    body += piece;
    return true;
  }
  void EndStream() override {}
  int status = 0;
  std::string body;
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

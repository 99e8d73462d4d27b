// Unit tests of the HTTP/JSON transcoder (transcoder.h): routes from the
// annotations, requests from paths, queries and bodies, and the HTTP
// conventions of PATCH (AIP-134: a mask from the body's fields, masks in
// lowerCamel).

#include "services/gateway/transcoder.h"

#include <gtest/gtest.h>

#include "chitieu/quota/v1/quota.pb.h"
#include "chitieu/registry/v1/registry.pb.h"
#include "chitieu/reporting/v1/reporting.pb.h"
#include "google/protobuf/dynamic_message.h"

namespace chitieu::gateway {
namespace {

TEST(Transcoder, HttpCodesFollowGoogleRpcCode) {
  EXPECT_EQ(HttpStatusFor(0), 200);
  EXPECT_EQ(HttpStatusFor(1), 499);   // CANCELLED
  EXPECT_EQ(HttpStatusFor(3), 400);   // INVALID_ARGUMENT
  EXPECT_EQ(HttpStatusFor(4), 504);   // DEADLINE_EXCEEDED
  EXPECT_EQ(HttpStatusFor(5), 404);   // NOT_FOUND
  EXPECT_EQ(HttpStatusFor(6), 409);   // ALREADY_EXISTS
  EXPECT_EQ(HttpStatusFor(7), 403);   // PERMISSION_DENIED
  EXPECT_EQ(HttpStatusFor(8), 429);   // RESOURCE_EXHAUSTED
  EXPECT_EQ(HttpStatusFor(10), 409);  // ABORTED
  EXPECT_EQ(HttpStatusFor(14), 503);  // UNAVAILABLE
  EXPECT_EQ(HttpStatusFor(16), 401);  // UNAUTHENTICATED
}

TEST(Transcoder, RoutesFromAnnotations) {
  // The services' descriptors are linked in by a use of their messages.
  ASSERT_NE(registry::v1::GetEnterpriseRequest::descriptor(), nullptr);
  ASSERT_NE(reporting::v1::GetProgressRequest::descriptor(), nullptr);
  auto t = Transcoder::Build(
      {"chitieu.registry.v1.RegistryService", "chitieu.reporting.v1.ReportingService"});
  ASSERT_TRUE(t.ok()) << t.status();
  std::vector<std::string> bindings;
  auto route = t->Match("POST", "/v1/enterprises/0100233488:changeStatus", &bindings);
  ASSERT_TRUE(route.ok());
  EXPECT_EQ((*route)->method->name(), "ChangeEnterpriseStatus");
  EXPECT_EQ(bindings, std::vector<std::string>{"enterprises/0100233488"});
  route = t->Match("GET", "/v1/enterprises/0100233488", &bindings);
  ASSERT_TRUE(route.ok());
  EXPECT_EQ((*route)->method->name(), "GetEnterprise");
  route = t->Match("GET", "/v1/enterprises/0100233488/organizations/3", &bindings);
  EXPECT_EQ((*route)->method->name(), "GetOrganization");
  EXPECT_FALSE(t->Match("DELETE", "/v1/enterprises/0100233488", &bindings).ok());

  route = t->Match("GET", "/v1/units/002/progress", &bindings);
  ASSERT_TRUE(route.ok());
  google::protobuf::DynamicMessageFactory factory;
  std::unique_ptr<google::protobuf::Message> request(
      factory.GetPrototype((*route)->method->input_type())->New());
  ASSERT_TRUE(t->BuildRequest(**route, bindings, "", {{"year", "2013"}}, request.get()).ok());
  EXPECT_EQ(request->ShortDebugString(), "unit: \"units/002\" year: 2013");
  EXPECT_EQ(t->BuildRequest(**route, bindings, "", {{"year", "soon"}}, request.get()).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(t->BuildRequest(**route, bindings, "", {{"colour", "red"}}, request.get()).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace chitieu::gateway

namespace chitieu::gateway {
namespace {

// The transcoder, for PATCH over HTTP.
class PatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto t = Transcoder::BuildPublic();
    ASSERT_TRUE(t.ok()) << t.status();
    transcoder_ = std::make_unique<Transcoder>(*std::move(t));
    auto route = transcoder_->Match("PATCH", "/v1/enterprises/0100233488", &bindings_);
    ASSERT_TRUE(route.ok()) << route.status();
    route_ = *route;
  }
  absl::StatusOr<std::string> Mask(const std::string& body,
                                   const std::multimap<std::string, std::string>& query = {}) {
    registry::v1::UpdateEnterpriseRequest request;
    if (auto s = transcoder_->BuildRequest(*route_, bindings_, body, query, &request); !s.ok()) {
      return s;
    }
    return request.has_update_mask() ? request.update_mask().ShortDebugString() : "(none)";
  }

  std::unique_ptr<Transcoder> transcoder_;
  std::vector<std::string> bindings_;
  const Route* route_ = nullptr;
};

TEST_F(PatchTest, WithoutAMaskTheBodysFieldsAreTheMask) {
  EXPECT_EQ(*Mask(R"({"displayName": "A", "seat_unit": "units/00040"})"),
            R"(paths: "display_name" paths: "seat_unit")");
  // What a caller cannot change is left out: the resource as read, sent
  // back with a change, updates that change.
  EXPECT_EQ(*Mask(R"({"name": "enterprises/0100233488", "enterpriseCode": "0100233488",
                     "etag": "\"3\"", "status": "ENTERPRISE_STATUS_ACTIVE",
                     "createTime": "2020-01-01T00:00:00Z", "displayName": "A"})"),
            R"(paths: "display_name")");
}

TEST_F(PatchTest, AMaskInTheQueryIsKeptAndTakenInEitherSpelling) {
  EXPECT_EQ(*Mask(R"({"displayName": "A", "sector": "SECTOR_NON_STATE"})",
                  {{"updateMask", "displayName,seat_unit"}}),
            R"(paths: "display_name" paths: "seat_unit")");
  // A path that names no field is passed on as sent, for the service to
  // refuse by name.
  EXPECT_EQ(*Mask("{}", {{"update_mask", "colour"}}), R"(paths: "colour")");
}

TEST_F(PatchTest, AnyResourcesPatch) {
  // A body that is not JSON is refused before any mask is made.
  EXPECT_EQ(Mask("{not json").status().code(), absl::StatusCode::kInvalidArgument);
  std::vector<std::string> bindings;
  auto patch = transcoder_->Match("PATCH", "/v1/units/002/targets/5", &bindings);
  ASSERT_TRUE(patch.ok());
  quota::v1::UpdateTargetRequest update;
  ASSERT_TRUE(transcoder_
                  ->BuildRequest(**patch, bindings, R"({"value": 3, "year": 2013})",
                                 {{"reason", "x"}}, &update)
                  .ok());
  EXPECT_EQ(update.update_mask().ShortDebugString(), R"(paths: "value")");
}

// Review findings: a mask that came out empty was taken by the services
// as "every updatable field", so a body the mask could not be read from
// (protobuf takes a trailing comma), or one naming only what cannot
// change, or `updateMask=` with nothing after it, replaced the whole
// resource.
TEST_F(PatchTest, NothingToChangeIsNeverTakenAsEverything) {
  for (const std::string body : {R"({"displayName": "A",})", "", "[]", "{}"}) {
    auto mask = Mask(body);
    EXPECT_EQ(mask.status().code(), absl::StatusCode::kInvalidArgument)
        << body << ": " << (mask.ok() ? *mask : mask.status().ToString());
  }
  // Only what cannot change: the mask names it, for the service to refuse
  // by name once authorization has passed (as over gRPC).
  EXPECT_EQ(*Mask(R"({"name": "enterprises/0100233488", "etag": "\"1\""})"),
            R"(paths: "name" paths: "etag")");
  EXPECT_EQ(*Mask(R"({"status": "ENTERPRISE_STATUS_ACTIVE", "enterpriseCode": "0100233488"})"),
            R"(paths: "status" paths: "enterprise_code")");
  EXPECT_EQ(*Mask(R"({"displayName": "A"})", {{"updateMask", ""}}), R"(paths: "display_name")");
  EXPECT_EQ(*Mask(R"({"displayName": "A"})", {{"updateMask", "displayName, display_name"}}),
            R"(paths: "display_name")");
}

// Review finding: query parameters were applied after the path, so
// PATCH /v1/enterprises/A?enterprise.name=enterprises/B updated B (the
// policy checked B, but the URL said A).
// Second review finding: ?update_mask.paths=display_name reached the
// mask's repeated field directly, and the body's fields were then added
// to it: the update wrote fields the caller's mask left out.
TEST_F(PatchTest, AMasksPathsCannotBeSetOneByOne) {
  for (const char* key : {"update_mask.paths", "updateMask.paths"}) {
    auto mask =
        Mask(R"({"displayName": "A", "sector": "SECTOR_NON_STATE"})", {{key, "display_name"}});
    EXPECT_EQ(mask.status().code(), absl::StatusCode::kInvalidArgument)
        << key << ": " << (mask.ok() ? *mask : mask.status().ToString());
  }
}

TEST_F(PatchTest, TheQueryCannotSetWhatThePathOrTheBodySets) {
  for (const char* key : {"enterprise.name", "enterprise.displayName", "enterprise.display_name"}) {
    auto mask = Mask(R"({"displayName": "A"})", {{key, "enterprises/0200000000"}});
    EXPECT_EQ(mask.status().code(), absl::StatusCode::kInvalidArgument) << key;
  }
  std::vector<std::string> bindings;
  auto get = transcoder_->Match("GET", "/v1/enterprises/0100233488", &bindings);
  ASSERT_TRUE(get.ok());
  registry::v1::GetEnterpriseRequest request;
  EXPECT_EQ(
      transcoder_->BuildRequest(**get, bindings, "", {{"name", "enterprises/0200000000"}}, &request)
          .code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(SetByPathOrBody(**get, "name"));
  EXPECT_FALSE(SetByPathOrBody(**get, "page_size"));
}

}  // namespace
}  // namespace chitieu::gateway

// Unit tests of the OpenAPI document (openapi.h) and of the HTTP
// conventions the transcoder keeps for PATCH (AIP-134: a mask from the
// body's fields, masks in lowerCamel).

#include "services/gateway/openapi.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "chitieu/quota/v1/quota.pb.h"
#include "chitieu/registry/v1/registry.pb.h"
#include "chitieu/reporting/v1/reporting.pb.h"
#include "services/gateway/transcoder.h"

namespace chitieu::gateway {
namespace {

using nlohmann::json;

class OpenApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto t = Transcoder::BuildPublic();
    ASSERT_TRUE(t.ok()) << t.status();
    transcoder_ = new Transcoder(*std::move(t));
    doc_ = new json(json::parse(OpenApiJson(*transcoder_)));
  }
  static void TearDownTestSuite() {
    delete doc_;
    delete transcoder_;
  }
  static const json& Operation(const std::string& path, const std::string& verb) {
    static const json kNone;
    const json& paths = (*doc_)["paths"];
    if (!paths.contains(path) || !paths[path].contains(verb)) {
      ADD_FAILURE() << "no " << verb << " " << path;
      return kNone;
    }
    return paths[path][verb];
  }
  static std::set<std::string> ParameterNames(const json& op, const std::string& in) {
    std::set<std::string> names;
    for (const auto& p : op.value("parameters", json::array())) {
      if (p["in"] == in) {
        names.insert(p["name"].get<std::string>());
      }
    }
    return names;
  }

  static Transcoder* transcoder_;
  static json* doc_;
};

Transcoder* OpenApiTest::transcoder_ = nullptr;
json* OpenApiTest::doc_ = nullptr;

// The finding: templated routes collapsed onto "/v1/{name}", so 8 methods
// were missing and StreamChanges named two operations.
TEST_F(OpenApiTest, EveryMethodOnceUnderItsOwnPathAndName) {
  std::set<std::string> ids;
  std::set<std::string> expected;
  for (const auto& route : transcoder_->routes()) {
    expected.insert(absl::StrCat(route.method->service()->name(), "_", route.method->name()));
  }
  size_t operations = 0;
  for (const auto& [path, item] : (*doc_)["paths"].items()) {
    EXPECT_FALSE(absl::StrContains(path, "=")) << path;
    for (const auto& [verb, op] : item.items()) {
      ++operations;
      EXPECT_TRUE(ids.insert(op["operationId"].get<std::string>()).second) << op["operationId"];
    }
  }
  EXPECT_EQ(operations, transcoder_->routes().size());
  EXPECT_EQ(ids, expected);
  EXPECT_GE(operations, 59u);
  for (const char* id :
       {"RegistryService_GetUnit", "RegistryService_GetEnterprise", "RegistryService_GetBody",
        "RegistryService_GetOrganization", "RegistryService_GetAdmission", "QuotaService_GetTarget",
        "QuotaService_GetTargetAllocation", "QuotaService_GetFoundingThresholds",
        "QuotaService_GetPlan", "RegistryService_StreamChanges", "QuotaService_StreamChanges",
        "ReportingService_StreamChanges"}) {
    EXPECT_EQ(ids.count(id), 1u) << id;
  }
}

TEST_F(OpenApiTest, PathsAreExpandedWithTheResourcesVariableNames) {
  EXPECT_EQ(Operation("/v1/enterprises/{enterprise}", "get")["operationId"],
            "RegistryService_GetEnterprise");
  EXPECT_EQ(Operation("/v1/units/{unit}/targets/{target}/allocation", "get")["operationId"],
            "QuotaService_GetTargetAllocation");
  EXPECT_EQ(Operation("/v1/foundingThresholds/{year}", "get")["operationId"],
            "QuotaService_GetFoundingThresholds");
  EXPECT_EQ(Operation("/v1/enterprises/{enterprise}/organizations/{organization}:dissolve",
                      "post")["operationId"],
            "RegistryService_DissolveOrganization");
  // Every {variable} of every path is a required path parameter of one
  // segment, and there are no others.
  const std::regex variable(R"(\{([^}]+)\})");
  for (const auto& [path, item] : (*doc_)["paths"].items()) {
    std::set<std::string> in_path;
    for (std::sregex_iterator it(path.begin(), path.end(), variable), end; it != end; ++it) {
      in_path.insert((*it)[1].str());
    }
    for (const auto& [verb, op] : item.items()) {
      EXPECT_EQ(ParameterNames(op, "path"), in_path) << verb << " " << path;
      for (const auto& p : op.value("parameters", json::array())) {
        if (p["in"] == "path") {
          EXPECT_EQ(p["required"], true);
          EXPECT_EQ(p["schema"]["pattern"], "^[^/:]+$");
        }
      }
    }
  }
  // A wildcard beyond the resource's pattern is named after its collection.
  Route route;
  route.path_template = "/v1/{name=units/*/wards/*}:read";
  EXPECT_EQ(OpenApiPath(route), "/v1/units/{unit}/wards/{ward}:read");
  route.path_template = "/v1/{name=bodies/*/branches/*}/{other=units/*}";
  EXPECT_EQ(OpenApiPath(route), "/v1/bodies/{body}/branches/{branch}/units/{unit}");
}

TEST_F(OpenApiTest, SummariesAndDescriptionsComeFromTheProtosComments) {
  for (const auto& [path, item] : (*doc_)["paths"].items()) {
    for (const auto& [verb, op] : item.items()) {
      const std::string summary = op["summary"];
      EXPECT_FALSE(summary.empty()) << path;
      // A method with no comment is summarised by its name: none is.
      EXPECT_NE(absl::StrCat(op["tags"][0].get<std::string>(), "_", summary), op["operationId"])
          << path;
      EXPECT_TRUE(op.contains("description")) << path;
    }
  }
  EXPECT_EQ(Operation("/v1/enterprises/{enterprise}", "patch")["summary"],
            "Updates descriptive fields.");
  const json& enterprise = (*doc_)["components"]["schemas"]["chitieu.registry.v1.Enterprise"];
  EXPECT_TRUE(absl::StrContains(
      enterprise["properties"]["seatUnit"]["description"].get<std::string>(), "trụ sở"));
  EXPECT_EQ(enterprise["properties"]["name"]["readOnly"], true);
  for (const auto& tag : (*doc_)["tags"]) {
    EXPECT_GT(tag["description"].get<std::string>().size(), 20u) << tag["name"];
  }
}

TEST_F(OpenApiTest, QueryParametersErrorsAndServers) {
  EXPECT_EQ(ParameterNames(Operation("/v1/enterprises", "get"), "query"),
            (std::set<std::string>{"pageSize", "pageToken", "filter", "asOfDate"}));
  // PATCH: the resource is the body; the mask and the rest are the query.
  EXPECT_EQ(ParameterNames(Operation("/v1/enterprises/{enterprise}", "patch"), "query"),
            std::set<std::string>{"updateMask"});
  // body "*": every field is in the body.
  EXPECT_TRUE(ParameterNames(Operation("/v1/units/{unit}/reports/{report}:submit", "post"), "query")
                  .empty());
  // Repeated fields repeat their parameter.
  for (const auto& p : Operation("/v1/units/{unit}:compareYears", "get")["parameters"]) {
    if (p["name"] == "years") {
      EXPECT_EQ(p["schema"]["type"], "array");
    }
  }
  for (const auto& [path, item] : (*doc_)["paths"].items()) {
    for (const auto& [verb, op] : item.items()) {
      EXPECT_EQ(op["responses"]["4XX"]["$ref"], "#/components/responses/Error") << path;
      EXPECT_EQ(op["responses"]["5XX"]["$ref"], "#/components/responses/Error") << path;
    }
  }
  EXPECT_EQ(
      Operation("/v1/feeds/registry/changes", "get")["responses"]["200"]["content"].begin().key(),
      "application/x-ndjson");
  EXPECT_EQ(Operation("/v1/enterprises:import", "post")["requestBody"]["content"].begin().key(),
            "application/x-ndjson");
  EXPECT_TRUE((*doc_)["components"]["schemas"].contains("google.rpc.Status"));
  EXPECT_EQ((*doc_)["servers"][0]["url"], "/");
}

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

TEST_F(PatchTest, AnyResourcesPatchAndNoOtherVerb) {
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
  // The same body on a POST (body "*") makes no mask.
  auto post = transcoder_->Match("POST", "/v1/units/002/reports/2013:submit", &bindings);
  ASSERT_TRUE(post.ok());
  reporting::v1::SubmitReportRequest submit;
  ASSERT_TRUE(
      transcoder_->BuildRequest(**post, bindings, R"({"requestId": "r1"})", {}, &submit).ok());
  EXPECT_EQ(submit.ShortDebugString(), R"(name: "units/002/reports/2013" request_id: "r1")");
}

}  // namespace
}  // namespace chitieu::gateway

// Unit tests of the OpenAPI document (openapi.h).

#include "services/gateway/openapi.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
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
  // A file answer is the file, in each of its format's media types.
  const json& file = Operation("/v1/units/{unit}:downloadExport", "get")["responses"]["200"];
  ASSERT_EQ(file["content"].size(), 2u) << file.dump();
  EXPECT_TRUE(file["content"].contains("text/csv; charset=utf-8")) << file.dump();
  EXPECT_EQ(file["content"]["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]
                ["schema"]["format"],
            "binary");
  const json& pdf = Operation("/v1/units/{unit}:downloadYearEndReport", "get")["responses"]["200"];
  ASSERT_EQ(pdf["content"].size(), 1u) << pdf.dump();
  EXPECT_TRUE(pdf["content"].contains("application/pdf")) << pdf.dump();
  EXPECT_TRUE(file["headers"].contains("Content-Disposition"));
  EXPECT_FALSE((*doc_)["components"]["schemas"].contains("google.api.HttpBody"));
  EXPECT_TRUE((*doc_)["components"]["schemas"].contains("google.rpc.Status"));
  EXPECT_EQ((*doc_)["servers"][0]["url"], "/");
}

}  // namespace
}  // namespace chitieu::gateway

// The authorization matrix, generated from the declarations in proto/: every
// method of every service × every role × every declared resource field ×
// {the caller's own district, another district, another province, a
// resource that does not exist} × {gRPC, HTTP/JSON where routed}, against a
// whole stack with two provinces. A new method joins it by itself.
//
// What must hold:
//   - a role the access class does not allow is refused, whatever is named;
//   - out of scope and nonexistent answer identically (code and message),
//     over gRPC and over HTTP, and neither change feed moves;
//   - in scope, the call gets past authorization (the answer may still be
//     INVALID_ARGUMENT or NOT_FOUND for a request that names only its
//     resources);
//   - a required declared field left out is INVALID_ARGUMENT naming it;
//   - import rows for existing enterprises out of scope are rejected alike.
// The counts of a run are printed at the end (docs/SECURITY.md holds them).

#include <gmock/gmock.h>
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "chitieu/gateway/v1/gateway.grpc.pb.h"
#include "chitieu/quota/v1/quota.grpc.pb.h"
#include "chitieu/registry/v1/registry.grpc.pb.h"
#include "chitieu/reporting/v1/reporting.grpc.pb.h"
#include "chitieu/type/v1/authorization.pb.h"
#include "google/api/annotations.pb.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "libs/common/principal.h"
#include "nlohmann/json.hpp"
#include "services/registry/tax_code.h"
#include "tests/support/stack.h"
#include "tests/support/wait.h"

namespace chitieu {
namespace {

namespace tv1 = ::chitieu::type::v1;
namespace reg = ::chitieu::registry::v1;
namespace qv1 = ::chitieu::quota::v1;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using testing::Stack;
using testing::StackKey;

// The situations a resource field is tried in.
enum Situation { kOwn, kOther, kProvince, kNone };
constexpr Situation kSituations[] = {kOwn, kOther, kProvince, kNone};
const char* SituationName(Situation s) {
  switch (s) {
    case kOwn:
      return "own district";
    case kOther:
      return "another district";
    case kProvince:
      return "another province";
    case kNone:
      return "nonexistent";
  }
  return "";
}

struct Role {
  StackKey key;
  // The situations the role's scope covers.
  std::set<Situation> covers;
  bool whole_system = false;
};

const Role kRoles[] = {
    {{"mx-city", "user:mx-city", "city_admin", "units/01"}, {kOwn, kOther}},
    {{"mx-all", "user:mx-all", "city_admin", "units/01,units/79"},
     {kOwn, kOther, kProvince, kNone},
     true},
    {{"mx-officer", "user:mx-officer", "district_officer", "units/002"}, {kOwn}},
    {{"mx-viewer", "user:mx-viewer", "viewer", "units/002"}, {kOwn}},
    {{"mx-auditor", "user:mx-auditor", "auditor", "units/002"}, {kOwn}},
    {{"mx-system", "system:mx", "system", "units/01"}, {kOwn, kOther}},
};

// Which roles each access class admits: written here independently of the
// policy's own table.
bool Admits(const std::string& role, tv1::Access access) {
  static const std::map<tv1::Access, std::set<std::string>> kAllowed = {
      {tv1::ACCESS_READ, {"city_admin", "district_officer", "viewer", "auditor", "system"}},
      {tv1::ACCESS_WRITE, {"city_admin", "district_officer", "system"}},
      {tv1::ACCESS_ADMIN, {"city_admin"}},
      {tv1::ACCESS_FEED, {"city_admin", "system"}},
      {tv1::ACCESS_AUDIT, {"city_admin", "auditor"}},
  };
  auto it = kAllowed.find(access);
  return it != kAllowed.end() && it->second.count(role) > 0;
}

struct Answer {
  int code = -1;
  std::string message;
  // The fields of a google.rpc.BadRequest in the status details.
  std::set<std::string> violations;
  bool operator==(const Answer& o) const { return code == o.code && message == o.message; }
};
std::ostream& operator<<(std::ostream& os, const Answer& a) {
  return os << a.code << " \"" << a.message << "\"";
}

class AuthzMatrixE2ETest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    stack_ = new Stack();
    std::vector<StackKey> keys;
    for (const Role& r : kRoles) {
      keys.push_back(r.key);
    }
    // The gateway asks the registry every time (no remembered seats), so
    // what it decides is what the stored data says at that moment.
    // The matrix makes ~1,500 calls at once: no rate limit in its way.
    ASSERT_TRUE(stack_->Start(keys, /*scenario=*/false,
                              {"--authz_cache_seconds=0", "--rate_limit_per_second=0"}))
        << stack_->error();
    MakeFixtures();
  }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
  }

  static void Trusted(grpc::ClientContext* ctx) {
    ctx->AddMetadata(kServiceSecretMetadata, Stack::kServiceSecret);
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  }

  // Resources of every type in each situation, made as a trusted caller.
  static void MakeFixtures() {
    auto registry = reg::RegistryService::NewStub(stack_->registry().channel());
    auto quota = qv1::QuotaService::NewStub(stack_->quota().channel());
    auto unit = [&](const std::string& code, reg::UnitLevel level, const std::string& parent) {
      reg::CreateUnitRequest r;
      r.mutable_unit()->set_name("units/" + code);
      r.mutable_unit()->set_display_name("Đơn vị " + code);
      r.mutable_unit()->set_level(level);
      r.mutable_unit()->set_parent(parent);
      r.mutable_unit()->set_open_date("2008-08-01");
      reg::Unit out;
      grpc::ClientContext ctx;
      Trusted(&ctx);
      grpc::Status s = registry->CreateUnit(&ctx, r, &out);
      ASSERT_TRUE(s.ok()) << code << ": " << s.error_message();
    };
    unit("79", reg::UNIT_LEVEL_PROVINCE, "");
    unit("760", reg::UNIT_LEVEL_DISTRICT, "units/79");
    const std::map<Situation, std::string> districts = {
        {kOwn, "002"}, {kOther, "001"}, {kProvince, "760"}};
    const std::map<Situation, std::string> wards = {
        {kOwn, "00991"}, {kOther, "00992"}, {kProvince, "00993"}};
    for (const auto& [s, ward] : wards) {
      unit(ward, reg::UNIT_LEVEL_COMMUNE, "units/" + districts.at(s));
    }
    int seq = 700;
    auto next_code = [&] {
      std::string code;
      while (code.empty()) {
        code = registry::MakeEnterpriseCode(1, seq++);
      }
      return code;
    };
    for (Situation s : {kOwn, kOther, kProvince}) {
      auto& names = values_[s];
      const std::string district = "units/" + districts.at(s);
      names["chitieu.gov.vn/Unit"] = district;
      {
        reg::CreateBodyRequest r;
        r.set_body_id(absl::StrCat("mx-body-", s));
        r.mutable_body()->set_display_name("Đảng ủy Khối");
        r.mutable_body()->set_kind(reg::BODY_KIND_BLOCK_PARTY_COMMITTEE);
        r.mutable_body()->set_unit(district);
        reg::Body out;
        grpc::ClientContext ctx;
        Trusted(&ctx);
        ASSERT_TRUE(registry->CreateBody(&ctx, r, &out).ok());
        names["chitieu.gov.vn/Body"] = out.name();
      }
      {
        reg::CreateEnterpriseRequest r;
        auto* e = r.mutable_enterprise();
        e->set_enterprise_code(next_code());
        e->set_display_name("Công ty ma trận");
        e->set_legal_form(tv1::LEGAL_FORM_JOINT_STOCK_COMPANY);
        e->set_sector(tv1::SECTOR_NON_STATE);
        e->set_seat_unit(district);
        e->set_registration_date("2010-05-04");
        reg::Enterprise out;
        grpc::ClientContext ctx;
        Trusted(&ctx);
        ASSERT_TRUE(registry->CreateEnterprise(&ctx, r, &out).ok());
        names["chitieu.gov.vn/Enterprise"] = out.name();
      }
      {
        reg::CreateOrganizationRequest r;
        r.set_parent(names["chitieu.gov.vn/Enterprise"]);
        auto* o = r.mutable_organization();
        o->set_kind(tv1::ORGANIZATION_KIND_PARTY);
        o->set_founding_date("2012-03-01");
        o->set_decision_number("1-QĐ/ĐU");
        o->set_founding_body(names["chitieu.gov.vn/Body"]);
        reg::Organization out;
        grpc::ClientContext ctx;
        Trusted(&ctx);
        grpc::Status st = registry->CreateOrganization(&ctx, r, &out);
        ASSERT_TRUE(st.ok()) << st.error_message();
        names["chitieu.gov.vn/Organization"] = out.name();
      }
      {
        reg::CreateAdmissionRequest r;
        r.set_parent(names["chitieu.gov.vn/Enterprise"]);
        r.mutable_admission()->set_admission_date("2012-04-01");
        r.mutable_admission()->set_count(1);
        r.mutable_admission()->set_decision_number("2-QĐ/ĐU");
        reg::Admission out;
        grpc::ClientContext ctx;
        Trusted(&ctx);
        grpc::Status st = registry->CreateAdmission(&ctx, r, &out);
        ASSERT_TRUE(st.ok()) << st.error_message();
        names["chitieu.gov.vn/Admission"] = out.name();
      }
      {
        // Assigned by the district to its ward: the district's officer may
        // change it.
        qv1::CreateTargetRequest r;
        r.set_parent("units/" + wards.at(s));
        auto* t = r.mutable_target();
        t->set_year(2014);
        t->set_indicator(tv1::INDICATOR_NEW_PARTY_ORGANIZATIONS);
        t->set_assigner(district);
        t->set_assignee("units/" + wards.at(s));
        t->set_value(1);
        r.set_allow_over_allocation(true);
        qv1::Target out;
        grpc::ClientContext ctx;
        Trusted(&ctx);
        grpc::Status st = quota->CreateTarget(&ctx, r, &out);
        ASSERT_TRUE(st.ok()) << st.error_message();
        names["chitieu.gov.vn/Target"] = out.name();
        names["chitieu.gov.vn/TargetAllocation"] = out.name() + "/allocation";
      }
      {
        qv1::CreatePlanRequest r;
        r.set_parent(district);
        r.mutable_plan()->set_title("Kế hoạch ma trận");
        r.mutable_plan()->set_document_number("KH-99/QU");
        r.mutable_plan()->set_issue_date("2012-01-01");
        r.mutable_plan()->set_kind(qv1::PLAN_KIND_RESOLUTION);
        qv1::Plan out;
        grpc::ClientContext ctx;
        Trusted(&ctx);
        grpc::Status st = quota->CreatePlan(&ctx, r, &out);
        ASSERT_TRUE(st.ok()) << st.error_message();
        names["chitieu.gov.vn/Plan"] = out.name();
      }
      // A ward's report: the district's officer approves it (its parent).
      names["chitieu.gov.vn/Report"] = "units/" + wards.at(s) + "/reports/2014";
    }
    const std::string none_enterprise = "enterprises/" + next_code();
    values_[kNone] = {
        {"chitieu.gov.vn/Unit", "units/09999"},
        {"chitieu.gov.vn/Body", "bodies/mx-none"},
        {"chitieu.gov.vn/Enterprise", none_enterprise},
        {"chitieu.gov.vn/Organization", none_enterprise + "/organizations/1"},
        {"chitieu.gov.vn/Admission", none_enterprise + "/admissions/1"},
        {"chitieu.gov.vn/Target", "units/09999/targets/1"},
        {"chitieu.gov.vn/TargetAllocation", "units/09999/targets/1/allocation"},
        {"chitieu.gov.vn/Plan", "units/09999/plans/1"},
        {"chitieu.gov.vn/Report", "units/09999/reports/2014"},
    };
    // Reporting follows the feeds: wait until it knows the new province.
    auto reporting = reporting::v1::ReportingService::NewStub(stack_->reporting().channel());
    ASSERT_TRUE(testing::WaitFor(
        [&] {
          reporting::v1::GetProgressRequest r;
          r.set_unit("units/00993");
          r.set_year(2014);
          reporting::v1::Progress p;
          grpc::ClientContext ctx;
          Trusted(&ctx);
          return reporting->GetProgress(&ctx, r, &p).ok();
        },
        std::chrono::seconds(60)))
        << "reporting did not follow the fixtures";
  }

  // Every service of proto/, from the descriptor set (so a new one joins).
  static std::vector<const google::protobuf::ServiceDescriptor*> Services() {
    static google::protobuf::DescriptorPool* pool = [] {
      auto* p = new google::protobuf::DescriptorPool();
      std::ifstream in(CHITIEU_DESCRIPTOR_SET, std::ios::binary);
      std::stringstream bytes;
      bytes << in.rdbuf();
      google::protobuf::FileDescriptorSet set;
      set.ParseFromString(bytes.str());
      for (const auto& file : set.file()) {
        p->BuildFile(file);
      }
      for (const auto& file : set.file()) {
        if (!absl::StartsWith(file.package(), "chitieu.")) {
          continue;
        }
        for (const auto& s : file.service()) {
          services_.push_back(p->FindServiceByName(file.package() + "." + s.name()));
        }
      }
      return p;
    }();
    (void)pool;
    return services_;
  }

  // The value a declared field gets for a resource of its first type.
  static std::string ValueFor(const tv1::ResourceField& field, Situation s) {
    const std::string name = values_[s][field.types(0)];
    if (field.id()) {
      return name.substr(name.find('/') + 1);
    }
    if (field.filter_terms_size() > 0) {
      return absl::StrCat(field.filter_terms(0), " = \"", name, "\"");
    }
    return name;
  }

  // Sets `path` in `m` (one element of each repeated message on the way).
  static void SetPath(Message* m, const std::vector<std::string>& segments, size_t i,
                      const std::string& value) {
    const FieldDescriptor* f = m->GetDescriptor()->FindFieldByName(segments[i]);
    ASSERT_NE(f, nullptr);
    const auto* r = m->GetReflection();
    if (i + 1 == segments.size()) {
      if (f->is_repeated()) {
        r->AddString(m, f, value);
      } else {
        r->SetString(m, f, value);
      }
      return;
    }
    Message* sub = nullptr;
    if (f->is_repeated()) {
      sub = r->FieldSize(*m, f) > 0 ? r->MutableRepeatedMessage(m, f, 0) : r->AddMessage(m, f);
    } else {
      sub = r->MutableMessage(m, f);
    }
    SetPath(sub, segments, i + 1, value);
  }

  // A request of `method` naming, in each declared field, a resource of
  // its type: `field` in `situation`, every other field in the caller's own
  // district; `skip` is left out.
  static std::unique_ptr<Message> Build(const google::protobuf::MethodDescriptor* method,
                                        const tv1::Authorization& decl, int field,
                                        Situation situation, int skip = -1) {
    std::unique_ptr<Message> request(factory_.GetPrototype(method->input_type())->New());
    for (int i = 0; i < decl.resources_size(); ++i) {
      if (i == skip) {
        continue;
      }
      const auto& f = decl.resources(i);
      SetPath(request.get(), absl::StrSplit(f.path(), '.'), 0,
              ValueFor(f, i == field ? situation : kOwn));
    }
    // Feeds: replay only, so an admitted call ends.
    if (const auto* nf = method->input_type()->FindFieldByName("no_follow"); nf != nullptr) {
      request->GetReflection()->SetBool(request.get(), nf, true);
    }
    return request;
  }

  static Answer CallGrpc(const google::protobuf::MethodDescriptor* method, const Message& request,
                         const std::string& key) {
    grpc::GenericStub stub(stack_->gateway().channel());
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + key);
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::CompletionQueue cq;
    const std::string path = absl::StrCat("/", method->service()->full_name(), "/", method->name());
    auto rpc = stub.PrepareCall(&ctx, path, &cq);
    void* tag;
    bool ok;
    rpc->StartCall(reinterpret_cast<void*>(1));
    cq.Next(&tag, &ok);
    grpc::Slice slice(request.SerializeAsString());
    grpc::ByteBuffer buffer(&slice, 1);
    rpc->WriteLast(buffer, grpc::WriteOptions(), reinterpret_cast<void*>(2));
    cq.Next(&tag, &ok);
    // Every response (a stream has several), then the status.
    for (ok = true; ok;) {
      grpc::ByteBuffer response;
      rpc->Read(&response, reinterpret_cast<void*>(3));
      cq.Next(&tag, &ok);
    }
    grpc::Status status;
    rpc->Finish(&status, reinterpret_cast<void*>(4));
    cq.Next(&tag, &ok);
    Answer answer{status.error_code(), status.error_message(), {}};
    google::rpc::Status details;
    if (details.ParseFromString(status.error_details())) {
      for (const auto& any : details.details()) {
        google::rpc::BadRequest bad;
        if (any.UnpackTo(&bad)) {
          for (const auto& v : bad.field_violations()) {
            answer.violations.insert(v.field());
          }
        }
      }
    }
    return answer;
  }

  // The same call over HTTP/JSON, if the method has a route: the path
  // from its template, the rest as the body or the query.
  static std::optional<Answer> CallHttp(const google::protobuf::MethodDescriptor* method,
                                        const Message& request, const std::string& key) {
    // Options of a pool built from the set hold the route as an extension.
    google::api::HttpRule rule;
    {
      google::protobuf::MethodOptions options;
      options.ParseFromString(method->options().SerializeAsString());
      if (!options.HasExtension(google::api::http)) {
        return std::nullopt;
      }
      rule = options.GetExtension(google::api::http);
    }
    std::string verb, pattern;
    if (!rule.get().empty()) {
      verb = "GET", pattern = rule.get();
    }
    if (!rule.post().empty()) {
      verb = "POST", pattern = rule.post();
    }
    if (!rule.patch().empty()) {
      verb = "PATCH", pattern = rule.patch();
    }
    if (pattern.empty()) {
      return std::nullopt;
    }
    std::unique_ptr<Message> rest(request.New());
    rest->CopyFrom(request);
    std::string path;
    for (size_t i = 0; i < pattern.size();) {
      if (pattern[i] != '{') {
        path += pattern[i++];
        continue;
      }
      const size_t close = pattern.find('}', i);
      std::string var = pattern.substr(i + 1, close - i - 1);
      var = var.substr(0, var.find('='));
      // Read and clear the bound field.
      Message* m = rest.get();
      std::vector<std::string> segments = absl::StrSplit(var, '.');
      for (size_t k = 0; k + 1 < segments.size(); ++k) {
        m = m->GetReflection()->MutableMessage(m, m->GetDescriptor()->FindFieldByName(segments[k]));
      }
      const FieldDescriptor* f = m->GetDescriptor()->FindFieldByName(segments.back());
      std::string value = m->GetReflection()->GetString(*m, f);
      if (value.empty()) {
        return std::nullopt;  // A route cannot name nothing.
      }
      path += value;
      m->GetReflection()->ClearField(m, f);
      i = close + 1;
    }
    std::string body;
    if (rule.body() == "*") {
      google::protobuf::util::MessageToJsonString(*rest, &body);
    } else {
      if (!rule.body().empty()) {
        const FieldDescriptor* f = rest->GetDescriptor()->FindFieldByName(rule.body());
        google::protobuf::util::MessageToJsonString(rest->GetReflection()->GetMessage(*rest, f),
                                                    &body);
        rest->GetReflection()->ClearField(rest.get(), f);
      }
      // Query parameters: the set scalar fields.
      std::vector<const FieldDescriptor*> fields;
      rest->GetReflection()->ListFields(*rest, &fields);
      std::string query;
      for (const auto* f : fields) {
        if (f->type() == FieldDescriptor::TYPE_MESSAGE || f->is_repeated()) {
          continue;
        }
        std::string v = f->type() == FieldDescriptor::TYPE_BOOL
                            ? (rest->GetReflection()->GetBool(*rest, f) ? "true" : "false")
                            : rest->GetReflection()->GetString(*rest, f);
        query += absl::StrCat(query.empty() ? "?" : "&", f->json_name(), "=",
                              httplib::detail::encode_query_param(v));
      }
      path += query;
    }
    // Over HTTP a PATCH names what it changes (AIP-134: its body's fields,
    // or updateMask); one with neither is malformed, refused before any
    // authorization as bad JSON is (transcoder_test.cc), so a gRPC update
    // without a mask and with nothing but names set has no HTTP twin.
    if (verb == "PATCH" && (body.empty() || body == "{}") &&
        !absl::StrContains(path, "updateMask=")) {
      return std::nullopt;
    }
    httplib::Client http("127.0.0.1", stack_->http_port());
    http.set_read_timeout(10, 0);
    httplib::Headers headers = {{"Authorization", "Bearer " + key}};
    httplib::Result result = verb == "GET" ? http.Get(path.c_str(), headers)
                             : verb == "POST"
                                 ? http.Post(path.c_str(), headers, body, "application/json")
                                 : http.Patch(path.c_str(), headers, body, "application/json");
    if (!result) {
      return Answer{-1, "no HTTP answer"};
    }
    Answer a{result->status, ""};
    auto json = nlohmann::json::parse(result->body, nullptr, false);
    // A stream answers lines; a refusal is one google.rpc.Status.
    if (json.is_object() && json.contains("message")) {
      a.message = json["message"];
    }
    if (json.is_array() && !json.empty() && json[0].is_object() && json[0].contains("error")) {
      a.message = json[0]["error"].value("message", "");
    }
    return a;
  }

  // The newest sequences of the registry's and quota's feeds.
  static std::tuple<int64_t, int64_t, int64_t> FeedHeads() {
    auto read = [](int port) -> int64_t {
      httplib::Client http("127.0.0.1", port);
      auto got = http.Get("/metrics");
      if (!got) {
        return -1;
      }
      for (absl::string_view line : absl::StrSplit(got->body, '\n')) {
        if (absl::StartsWith(line, "chitieu_feed_last_sequence ")) {
          double v = 0;
          if (absl::SimpleAtod(line.substr(line.find(' ') + 1), &v)) {
            return static_cast<int64_t>(v);
          }
        }
      }
      return -1;
    };
    return {read(stack_->metrics_port("registry")), read(stack_->metrics_port("quota")),
            read(stack_->metrics_port("reporting"))};
  }

  static Stack* stack_;
  static std::map<Situation, std::map<std::string, std::string>> values_;
  static std::vector<const google::protobuf::ServiceDescriptor*> services_;
  static google::protobuf::DynamicMessageFactory factory_;
};

Stack* AuthzMatrixE2ETest::stack_ = nullptr;
std::map<Situation, std::map<std::string, std::string>> AuthzMatrixE2ETest::values_;
std::vector<const google::protobuf::ServiceDescriptor*> AuthzMatrixE2ETest::services_;
google::protobuf::DynamicMessageFactory AuthzMatrixE2ETest::factory_;

TEST_F(AuthzMatrixE2ETest, EveryMethodRoleFieldAndSituation) {
  int methods = 0, fields = 0, grpc_calls = 0, http_calls = 0, refusals_compared = 0,
      required_checked = 0;
  for (const auto* service : Services()) {
    for (int m = 0; m < service->method_count(); ++m) {
      const auto* method = service->method(m);
      google::protobuf::MethodOptions options;
      options.ParseFromString(method->options().SerializeAsString());
      ASSERT_TRUE(options.HasExtension(tv1::authorization)) << method->full_name();
      const tv1::Authorization decl = options.GetExtension(tv1::authorization);
      ++methods;
      // Declared fields, but those the service checks in its transaction
      // (import rows: ImportRowsOutOfScope below).
      std::vector<int> tried;
      for (int i = 0; i < decl.resources_size(); ++i) {
        if (decl.resources(i).subject() != tv1::SUBJECT_IN_TRANSACTION) {
          tried.push_back(i);
        }
      }
      for (const Role& role : kRoles) {
        const bool admitted =
            Admits(role.key.role, decl.access()) && (!decl.whole_system() || role.whole_system);
        SCOPED_TRACE(absl::StrCat(method->full_name(), " as ", role.key.principal));
        if (tried.empty()) {
          auto request = Build(method, decl, -1, kOwn);
          Answer a = CallGrpc(method, *request, role.key.secret);
          ++grpc_calls;
          if (admitted) {
            EXPECT_NE(a.code, grpc::StatusCode::PERMISSION_DENIED) << a;
          } else {
            EXPECT_EQ(a.code, grpc::StatusCode::PERMISSION_DENIED) << a;
          }
          continue;
        }
        for (int field : tried) {
          const auto& f = decl.resources(field);
          SCOPED_TRACE(f.path());
          ++fields;
          std::map<Situation, Answer> grpc_answers;
          std::map<Situation, std::optional<Answer>> http_answers;
          // Out of scope first, with the feeds watched.
          const auto before = FeedHeads();
          for (Situation s : kSituations) {
            const bool in_scope = role.covers.count(s) > 0 ||
                                  (s == kNone && f.subject() == tv1::SUBJECT_STORED_IF_EXISTS);
            if (in_scope) {
              continue;
            }
            auto request = Build(method, decl, field, s);
            grpc_answers[s] = CallGrpc(method, *request, role.key.secret);
            http_answers[s] = CallHttp(method, *request, role.key.secret);
            ++grpc_calls;
            http_calls += http_answers[s].has_value();
          }
          EXPECT_EQ(FeedHeads(), before) << "a refused call moved a feed";
          // Every out-of-scope answer is the same refusal.
          const Answer* first = nullptr;
          const Answer* first_http = nullptr;
          for (auto& [s, a] : grpc_answers) {
            EXPECT_EQ(a.code, grpc::StatusCode::PERMISSION_DENIED) << SituationName(s) << ": " << a;
            if (first == nullptr) {
              first = &a;
            }
            EXPECT_EQ(a, *first) << SituationName(s);
            auto& h = http_answers[s];
            if (h) {
              EXPECT_EQ(h->code, 403) << SituationName(s) << ": " << *h;
              if (first_http == nullptr) {
                first_http = &*h;
              }
              EXPECT_EQ(*h, *first_http) << SituationName(s);
              EXPECT_EQ(h->message, a.message) << SituationName(s);
            }
            ++refusals_compared;
          }
          // In scope: past authorization when the role is admitted.
          for (Situation s : kSituations) {
            const bool in_scope = role.covers.count(s) > 0 ||
                                  (s == kNone && f.subject() == tv1::SUBJECT_STORED_IF_EXISTS);
            if (!in_scope) {
              continue;
            }
            auto request = Build(method, decl, field, s);
            Answer a = CallGrpc(method, *request, role.key.secret);
            ++grpc_calls;
            if (admitted) {
              EXPECT_NE(a.code, grpc::StatusCode::PERMISSION_DENIED)
                  << SituationName(s) << ": " << a;
              EXPECT_NE(a.code, grpc::StatusCode::UNAUTHENTICATED) << SituationName(s);
            } else {
              EXPECT_EQ(a.code, grpc::StatusCode::PERMISSION_DENIED)
                  << SituationName(s) << ": " << a;
            }
          }
        }
        // A required field left out: the service says so, naming it.
        if (admitted && role.key.role == "city_admin" && role.whole_system) {
          for (int field : tried) {
            const auto& f = decl.resources(field);
            if (!f.required()) {
              continue;
            }
            auto request = Build(method, decl, -1, kOwn, field);
            Answer a = CallGrpc(method, *request, role.key.secret);
            ++grpc_calls;
            ++required_checked;
            EXPECT_EQ(a.code, grpc::StatusCode::INVALID_ARGUMENT) << f.path() << ": " << a;
            EXPECT_TRUE(a.violations.count(f.path())) << f.path() << ": " << a;
          }
        }
      }
    }
  }
  EXPECT_GE(methods, 47);
  std::cout << "authorization matrix: " << methods << " methods, " << fields
            << " (method, role, field) rows, " << grpc_calls << " gRPC calls, " << http_calls
            << " HTTP calls, " << refusals_compared << " refusals compared, " << required_checked
            << " required fields left out\n";
}

// Import rows for existing enterprises are judged by the registry against
// the stored seat, inside the import's transaction: another district's and
// another province's rows are rejected with the same text, nothing of
// them is written, and the enterprise's own data (a registration date that
// differs) is never compared for an outsider.
TEST_F(AuthzMatrixE2ETest, ImportRowsOutOfScope) {
  auto registry = reg::RegistryService::NewStub(stack_->gateway().channel());
  const auto before = FeedHeads();
  std::vector<reg::ImportRowResult> results;
  for (Situation s : {kOther, kProvince}) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer mx-officer");
    reg::ImportEnterprisesResponse summary;
    auto writer = registry->ImportEnterprises(&ctx, &summary);
    reg::ImportEnterprisesRequest batch;
    auto* row = batch.add_enterprises();
    row->set_enterprise_code(values_[s]["chitieu.gov.vn/Enterprise"].substr(12));
    row->set_display_name("Chuyển trụ sở");
    row->set_legal_form(tv1::LEGAL_FORM_JOINT_STOCK_COMPANY);
    row->set_sector(tv1::SECTOR_NON_STATE);
    row->set_seat_unit("units/002");
    row->set_registration_date("2001-01-01");  // Not the stored one.
    ASSERT_TRUE(writer->Write(batch));
    writer->WritesDone();
    grpc::Status st = writer->Finish();
    ASSERT_TRUE(st.ok()) << st.error_message();
    EXPECT_EQ(summary.rejected(), 1);
    ASSERT_EQ(summary.results_size(), 1);
    results.push_back(summary.results(0));
  }
  EXPECT_EQ(FeedHeads(), before);
  for (const auto& r : results) {
    EXPECT_EQ(r.outcome(), reg::IMPORT_OUTCOME_REJECTED);
    EXPECT_EQ(r.field(), "enterprise_code");
    EXPECT_EQ(r.reason(), results[0].reason());
    EXPECT_EQ(r.reason(), "is not in your scope");
  }
  // The enterprise stays where it was.
  grpc::ClientContext ctx;
  Trusted(&ctx);
  reg::GetEnterpriseRequest get;
  get.set_name(values_[kOther]["chitieu.gov.vn/Enterprise"]);
  reg::Enterprise e;
  ASSERT_TRUE(reg::RegistryService::NewStub(stack_->registry().channel())
                  ->GetEnterprise(&ctx, get, &e)
                  .ok());
  EXPECT_EQ(e.seat_unit(), "units/001");
}

}  // namespace
}  // namespace chitieu

namespace chitieu {
namespace {

// Audit that can be trusted: a mutation's entry names what it touched; a
// refused call is recorded with method, principal and code; an auditor of
// Hoàn Kiếm sees Hoàn Kiếm's entries and not Ba Đình's; data files are the
// services' user's alone.
TEST_F(AuthzMatrixE2ETest, AuditAndFiles) {
  auto registry = reg::RegistryService::NewStub(stack_->gateway().channel());
  auto as = [](grpc::ClientContext* ctx, const std::string& key, const std::string& id) {
    ctx->AddMetadata("authorization", "Bearer " + key);
    ctx->AddMetadata("x-request-id", id);
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  };
  {
    // Hoàn Kiếm's officer records a body in Hoàn Kiếm: allowed.
    reg::CreateBodyRequest r;
    r.set_body_id("mx-audit-hk");
    r.mutable_body()->set_display_name("Công đoàn");
    r.mutable_body()->set_kind(reg::BODY_KIND_LABOUR_FEDERATION);
    r.mutable_body()->set_unit("units/002");
    reg::Body out;
    grpc::ClientContext ctx;
    as(&ctx, "mx-officer", "audit-1");
    ASSERT_TRUE(registry->CreateBody(&ctx, r, &out).ok());
  }
  {
    // … and tries to re-seat Ba Đình's enterprise: refused.
    reg::UpdateEnterpriseRequest r;
    r.mutable_enterprise()->set_name(values_[kOther]["chitieu.gov.vn/Enterprise"]);
    r.mutable_enterprise()->set_seat_unit("units/002");
    r.mutable_update_mask()->add_paths("seat_unit");
    reg::Enterprise out;
    grpc::ClientContext ctx;
    as(&ctx, "mx-officer", "audit-2");
    EXPECT_EQ(registry->UpdateEnterprise(&ctx, r, &out).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  {
    // The city records a body in Ba Đình.
    reg::CreateBodyRequest r;
    r.set_body_id("mx-audit-bd");
    r.mutable_body()->set_display_name("Công đoàn");
    r.mutable_body()->set_kind(reg::BODY_KIND_LABOUR_FEDERATION);
    r.mutable_body()->set_unit("units/001");
    reg::Body out;
    grpc::ClientContext ctx;
    as(&ctx, "mx-city", "audit-3");
    ASSERT_TRUE(registry->CreateBody(&ctx, r, &out).ok());
  }
  auto list = [&](const std::string& key) {
    auto gateway = gateway::v1::GatewayService::NewStub(stack_->gateway().channel());
    std::map<std::string, gateway::v1::AuditEntry> by_id;
    gateway::v1::ListAuditEntriesRequest r;
    r.set_page_size(2);  // Several pages: the sealed tokens carry through.
    do {
      gateway::v1::ListAuditEntriesResponse out;
      grpc::ClientContext ctx;
      as(&ctx, key, "audit-list");
      grpc::Status s = gateway->ListAuditEntries(&ctx, r, &out);
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok()) {
        break;
      }
      for (const auto& e : out.entries()) {
        by_id[e.request_id()] = e;
      }
      r.set_page_token(out.next_page_token());
    } while (!r.page_token().empty());
    return by_id;
  };
  auto hk = list("mx-auditor");
  ASSERT_TRUE(hk.count("audit-1"));
  EXPECT_EQ(hk["audit-1"].outcome(), "OK");
  EXPECT_EQ(hk["audit-1"].resource(), "bodies/mx-audit-hk");
  EXPECT_THAT(
      std::vector<std::string>(hk["audit-1"].resources().begin(), hk["audit-1"].resources().end()),
      ::testing::ElementsAre("bodies/mx-audit-hk", "units/002"));
  ASSERT_TRUE(hk.count("audit-2"));
  EXPECT_EQ(hk["audit-2"].outcome(), "PERMISSION_DENIED");
  EXPECT_EQ(hk["audit-2"].principal(), "user:mx-officer");
  EXPECT_EQ(hk["audit-2"].method(), "/chitieu.registry.v1.RegistryService/UpdateEnterprise");
  // Where the refused enterprise lies is not told, not even to auditors.
  for (const auto& unit : hk["audit-2"].units()) {
    EXPECT_NE(unit, "units/001");
  }
  EXPECT_FALSE(hk.count("audit-3")) << "Hoàn Kiếm's auditor saw Ba Đình's entry";
  // A city admin of both provinces sees them all; every allowed mutation
  // names its resources.
  auto all = list("mx-all");
  EXPECT_TRUE(all.count("audit-1") && all.count("audit-2") && all.count("audit-3"));
  for (const auto& [id, e] : all) {
    if (e.outcome() == "OK") {
      EXPECT_GT(e.resources_size(), 0) << id << " " << e.method();
    }
  }
  // A page token is the caller's own: another auditor's is refused.
  {
    auto gateway = gateway::v1::GatewayService::NewStub(stack_->gateway().channel());
    gateway::v1::ListAuditEntriesRequest r;
    r.set_page_size(1);
    gateway::v1::ListAuditEntriesResponse out;
    grpc::ClientContext c1;
    as(&c1, "mx-all", "audit-token");
    ASSERT_TRUE(gateway->ListAuditEntries(&c1, r, &out).ok());
    ASSERT_FALSE(out.next_page_token().empty());
    r.set_page_token(out.next_page_token());
    grpc::ClientContext c2;
    as(&c2, "mx-auditor", "audit-token");
    EXPECT_EQ(gateway->ListAuditEntries(&c2, r, &out).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
  // Files the services wrote: owner-only.
  int files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(stack_->dir())) {
    const std::string name = entry.path().filename().string();
    const bool ours = absl::EndsWith(name, ".db") || absl::EndsWith(name, ".db-wal") ||
                      absl::EndsWith(name, ".db-shm") || name == "port" || name == "metrics_port";
    if (!entry.is_regular_file() || !ours) {
      continue;
    }
    const auto perms = entry.status().permissions();
    EXPECT_EQ(perms & (std::filesystem::perms::group_all | std::filesystem::perms::others_all),
              std::filesystem::perms::none)
        << entry.path();
    ++files;
  }
  EXPECT_GT(files, 3);
}

}  // namespace
}  // namespace chitieu

// End-to-end tests of chitieu-gateway in front of the real registry, quota
// and reporting: authentication, the authorization matrix, object-level
// scope checks, forged identity headers, streams through the proxy, and
// the audit log.

#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "chitieu/gateway/v1/gateway.grpc.pb.h"
#include "chitieu/quota/v1/quota.grpc.pb.h"
#include "chitieu/registry/v1/registry.grpc.pb.h"
#include "chitieu/reporting/v1/reporting.grpc.pb.h"
#include "google/protobuf/dynamic_message.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "libs/common/health_client.h"
#include "libs/common/principal.h"
#include "services/gateway/auth.h"
#include "services/gateway/jwt.h"
#include "services/registry/tax_code.h"
#include "tests/support/file_readers.h"
#include "tests/support/service_process.h"
#include "tests/support/stack.h"
#include "tests/support/wait.h"

namespace chitieu {
namespace {

namespace reg = ::chitieu::registry::v1;
namespace quo = ::chitieu::quota::v1;
namespace rep = ::chitieu::reporting::v1;
namespace gw = ::chitieu::gateway::v1;
using ::chitieu::testing::ServiceProcess;
using ::chitieu::testing::TempDir;

struct Key {
  std::string secret, principal, role, scope;
};
const Key kCity{"k-city", "user:city-admin", "city_admin", "units/01"};
const Key kHoanKiem{"k-hk", "user:hk-officer", "district_officer", "units/002"};
const Key kTayHo{"k-th", "user:th-officer", "district_officer", "units/003"};
const Key kViewer{"k-viewer", "user:hk-viewer", "viewer", "units/002"};
const Key kAuditor{"k-auditor", "user:auditor", "auditor", "units/01"};
constexpr const char* kServiceSecret = testing::Stack::kServiceSecret;
const Key kSystem{"k-system", "system:business-registry", "system", "units/01"};

class GatewayE2ETest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    // The identity provider: a signing key, its JWKS for the gateway, and
    // tokens for a Hoàn Kiếm officer (valid, and expired an hour ago).
    idp_key_ = new std::string(*gateway::NewSigningKeyPem(/*elliptic_curve=*/true));
    std::ofstream(dir_->path() + "/jwks.json")
        << "{\"keys\":[" << *gateway::PublicJwk(*idp_key_, "idp-1") << "]}";
    officer_token_ = new std::string(Token("hk.officer", "district_officer", "units/002", 600));
    expired_token_ = new std::string(Token("hk.officer", "district_officer", "units/002", -3600));
    stack_ = new testing::Stack();
    std::vector<testing::StackKey> keys;
    for (const Key& k : {kCity, kHoanKiem, kTayHo, kViewer, kAuditor, kSystem}) {
      keys.push_back({k.secret, k.principal, k.role, k.scope});
    }
    ASSERT_TRUE(
        stack_->Start(keys, /*scenario=*/false,
                      {"--max_body_bytes=65536", "--jwks_file=" + dir_->path() + "/jwks.json",
                       "--jwt_issuer=https://id.test", "--max_message_bytes=262144",
                       // EveryMethodRefuses… fails ~150 sign-ins on purpose;
                       // FailedSignInsAndFanOutsAreLimited tries the budget.
                       "--failed_sign_ins_per_minute=0"}))
        << stack_->error();
    registry_ = &stack_->registry();
    quota_ = &stack_->quota();
    reporting_ = &stack_->reporting();
    gateway_ = &stack_->gateway();
    http_port_ = stack_->http_port();
  }
  static void TearDownTestSuite() {
    delete idp_key_;
    delete officer_token_;
    delete expired_token_;
    delete stack_;
    delete dir_;
  }

  // A token from the test identity provider, valid for `ttl` seconds.
  static std::string Token(const std::string& sub, const std::string& role,
                           const std::string& units, int ttl) {
    const int64_t now = absl::ToUnixSeconds(absl::Now());
    nlohmann::json claims = {{"iss", "https://id.test"},
                             {"aud", "chitieu"},
                             {"sub", sub},
                             {"iat", now + std::min(0, 2 * ttl)},
                             {"exp", now + ttl},
                             {"chitieu_role", role},
                             {"chitieu_units", absl::StrSplit(units, ',')}};
    return *gateway::SignJwt(*idp_key_, "idp-1", claims.dump());
  }

  static std::string Code(int seq) {
    std::string code;
    for (int s = seq; code.empty(); ++s) {
      code = registry::MakeEnterpriseCode(1, s);
    }
    return code;
  }

  // A context carrying `key` (none when empty).
  static void Authorize(grpc::ClientContext& ctx, const std::string& key) {
    if (!key.empty()) {
      ctx.AddMetadata("authorization", "Bearer " + key);
    }
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  }

  static grpc::Status CreateEnterprise(const std::string& key, int seq, const std::string& unit) {
    reg::CreateEnterpriseRequest r;
    r.set_request_id("gw-e2e-" + std::to_string(seq));
    auto* e = r.mutable_enterprise();
    e->set_enterprise_code(Code(seq));
    e->set_display_name("DN " + std::to_string(seq));
    e->set_legal_form(type::v1::LEGAL_FORM_SINGLE_MEMBER_LLC);
    e->set_sector(type::v1::SECTOR_NON_STATE);
    e->set_seat_unit(unit);
    e->set_registration_date("2011-01-01");
    reg::Enterprise out;
    grpc::ClientContext ctx;
    Authorize(ctx, key);
    return Registry()->CreateEnterprise(&ctx, r, &out);
  }

  // GetUnit(units/002) with `key` through the gateway behind `channel`.
  static grpc::StatusCode GetUnitVia(const std::shared_ptr<grpc::Channel>& channel,
                                     const std::string& key) {
    reg::GetUnitRequest r;
    r.set_name("units/002");
    reg::Unit out;
    grpc::ClientContext ctx;
    Authorize(ctx, key);
    return reg::RegistryService::NewStub(channel)->GetUnit(&ctx, r, &out).error_code();
  }

  static std::unique_ptr<reg::RegistryService::Stub> Registry() {
    return reg::RegistryService::NewStub(gateway_->channel());
  }
  static std::unique_ptr<quo::QuotaService::Stub> Quota() {
    return quo::QuotaService::NewStub(gateway_->channel());
  }
  static std::unique_ptr<rep::ReportingService::Stub> Reporting() {
    return rep::ReportingService::NewStub(gateway_->channel());
  }

  static grpc::StatusCode GetEnterprise(const std::string& key, const std::string& code) {
    reg::GetEnterpriseRequest r;
    r.set_name("enterprises/" + code);
    reg::Enterprise out;
    grpc::ClientContext ctx;
    Authorize(ctx, key);
    return Registry()->GetEnterprise(&ctx, r, &out).error_code();
  }

  // An HTTP client of the gateway's HTTP/JSON port.
  static httplib::Client Http() {
    httplib::Client client("127.0.0.1", http_port_);
    client.set_read_timeout(10, 0);
    return client;
  }
  // The HTTP status of a result, or -1 (with the error printed) if the
  // request got no answer.
  static int StatusOf(const httplib::Result& result) {
    if (!result) {
      ADD_FAILURE() << "no HTTP answer: " << httplib::to_string(result.error());
      return -1;
    }
    return result->status;
  }
  // A second gateway over the same services, in `dir`, with a tight rate
  // limit (0.01 calls a second) and `flags`; not started.
  static ServiceProcess LimitedGateway(const TempDir& dir, std::vector<std::string> flags) {
    std::vector<std::string> args = {"--registry_addr=" + registry_->address(),
                                     "--quota_addr=" + quota_->address(),
                                     "--reporting_addr=" + reporting_->address(),
                                     "--api_keys=" + stack_->dir() + "/keys",
                                     "--http_listen=127.0.0.1:0",
                                     "--http_port_file=" + dir.path() + "/http_port",
                                     "--service_secret=" + std::string(kServiceSecret),
                                     "--rate_limit_per_second=0.01"};
    args.insert(args.end(), flags.begin(), flags.end());
    return ServiceProcess("chitieu-gateway", dir.path(), args);
  }

  static httplib::Headers Bearer(const std::string& key) {
    return {{"Authorization", "Bearer " + key}};
  }

  static TempDir* dir_;
  static testing::Stack* stack_;
  static std::string *idp_key_, *officer_token_, *expired_token_;
  static ServiceProcess *registry_, *quota_, *reporting_, *gateway_;
  static int http_port_;
};

int GatewayE2ETest::http_port_ = 0;

TempDir* GatewayE2ETest::dir_ = nullptr;
testing::Stack* GatewayE2ETest::stack_ = nullptr;
std::string* GatewayE2ETest::idp_key_ = nullptr;
std::string* GatewayE2ETest::officer_token_ = nullptr;
std::string* GatewayE2ETest::expired_token_ = nullptr;
ServiceProcess* GatewayE2ETest::registry_ = nullptr;
ServiceProcess* GatewayE2ETest::quota_ = nullptr;
ServiceProcess* GatewayE2ETest::reporting_ = nullptr;
ServiceProcess* GatewayE2ETest::gateway_ = nullptr;

TEST_F(GatewayE2ETest, ObjectLevelScopeOnEnterprises) {
  grpc::Status first = CreateEnterprise(kHoanKiem.secret, 100, "units/00037");
  ASSERT_TRUE(first.ok()) << first.error_message();
  ASSERT_TRUE(CreateEnterprise(kTayHo.secret, 103, "units/003").ok());
  // A Hoàn Kiếm officer may not register an enterprise in Tây Hồ …
  EXPECT_EQ(CreateEnterprise(kHoanKiem.secret, 106, "units/003").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // … nor read one there by changing the path, and cannot tell it from one
  // that does not exist.
  EXPECT_EQ(GetEnterprise(kHoanKiem.secret, Code(100)), grpc::StatusCode::OK);
  EXPECT_EQ(GetEnterprise(kHoanKiem.secret, Code(103)), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(GetEnterprise(kHoanKiem.secret, "0100233488"), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(GetEnterprise(kCity.secret, Code(103)), grpc::StatusCode::OK);

  // Lists need a unit filter in scope.
  auto list = [&](const std::string& key, const std::string& filter) {
    reg::ListEnterprisesRequest r;
    r.set_filter(filter);
    reg::ListEnterprisesResponse out;
    grpc::ClientContext ctx;
    Authorize(ctx, key);
    return Registry()->ListEnterprises(&ctx, r, &out).error_code();
  };
  EXPECT_EQ(list(kHoanKiem.secret, "unit = \"units/002\""), grpc::StatusCode::OK);
  EXPECT_EQ(list(kHoanKiem.secret, "unit = \"units/003\""), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(list(kHoanKiem.secret, ""), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(list(kCity.secret, ""), grpc::StatusCode::OK);

  // Organizations: in scope, with a body in scope; not for a viewer.
  auto found = [&](const std::string& key, const std::string& code) {
    reg::CreateOrganizationRequest r;
    r.set_parent("enterprises/" + code);
    r.mutable_organization()->set_kind(type::v1::ORGANIZATION_KIND_TRADE_UNION);
    r.mutable_organization()->set_founding_date("2013-04-01");
    r.mutable_organization()->set_decision_number("12/QĐ-LĐLĐ");
    r.mutable_organization()->set_founding_body("bodies/hk-labour-federation");
    reg::Organization out;
    grpc::ClientContext ctx;
    Authorize(ctx, key);
    return Registry()->CreateOrganization(&ctx, r, &out).error_code();
  };
  EXPECT_EQ(found(kViewer.secret, Code(100)), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(found(kTayHo.secret, Code(100)), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(found(kHoanKiem.secret, Code(100)), grpc::StatusCode::OK);
}

TEST_F(GatewayE2ETest, ReportsThroughTheGateway) {
  rep::GetProgressRequest r;
  r.set_unit("units/002");
  r.set_year(2013);
  rep::Progress through, direct;
  grpc::ClientContext c1;
  Authorize(c1, kViewer.secret);
  ASSERT_TRUE(Reporting()->GetProgress(&c1, r, &through).ok());
  grpc::ClientContext c2;
  c2.AddMetadata(kServiceSecretMetadata, kServiceSecret);
  ASSERT_TRUE(
      rep::ReportingService::NewStub(reporting_->channel())->GetProgress(&c2, r, &direct).ok());
  EXPECT_EQ(through.indicators(0).target(), 6);
  EXPECT_EQ(through.indicators(0).target(), direct.indicators(0).target());
  r.set_unit("units/003");
  grpc::ClientContext c3;
  Authorize(c3, kViewer.secret);
  EXPECT_EQ(Reporting()->GetProgress(&c3, r, &through).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  gw::GetScorecardRequest s;
  s.set_unit("units/002");
  s.set_year(2013);
  gw::Scorecard card;
  grpc::ClientContext c4;
  Authorize(c4, kHoanKiem.secret);
  ASSERT_TRUE(gw::GatewayService::NewStub(gateway_->channel())->GetScorecard(&c4, s, &card).ok());
  EXPECT_TRUE(card.missing().empty());
  EXPECT_EQ(card.progress().indicators(0).target(), 6);
  EXPECT_GT(card.status_summary().total(), 0);
}

TEST_F(GatewayE2ETest, ADistrictCannotReviseWhatTheCityAssignedOrForgeItsIdentity) {
  quo::ListTargetsRequest l;
  l.set_parent("units/002");
  l.set_year(2013);
  quo::ListTargetsResponse targets;
  grpc::ClientContext c1;
  Authorize(c1, kHoanKiem.secret);
  ASSERT_TRUE(Quota()->ListTargets(&c1, l, &targets).ok());
  ASSERT_FALSE(targets.targets().empty());
  quo::UpdateTargetRequest u;
  *u.mutable_target() = targets.targets(0);  // Assigned by units/01.
  u.mutable_target()->set_value(1);
  u.set_reason("tự giảm");
  quo::Target out;
  grpc::ClientContext c2;
  Authorize(c2, kHoanKiem.secret);
  EXPECT_EQ(Quota()->UpdateTarget(&c2, u, &out).error_code(), grpc::StatusCode::PERMISSION_DENIED);

  // Its own sub-allocation it may revise; a forged principal header is
  // dropped and the revision names the real caller.
  quo::CreateTargetRequest c;
  c.set_parent("units/00037");
  c.mutable_target()->set_year(2013);
  c.mutable_target()->set_indicator(type::v1::INDICATOR_NEW_YOUTH_UNIONS);
  c.mutable_target()->set_assigner("units/002");
  c.mutable_target()->set_assignee("units/00037");
  c.mutable_target()->set_value(1);
  quo::Target mine;
  grpc::ClientContext c3;
  Authorize(c3, kHoanKiem.secret);
  grpc::Status created = Quota()->CreateTarget(&c3, c, &mine);
  ASSERT_TRUE(created.ok()) << created.error_message();
  u.Clear();
  *u.mutable_target() = mine;
  u.mutable_target()->set_value(2);
  u.set_reason("bổ sung");
  grpc::ClientContext c4;
  Authorize(c4, kHoanKiem.secret);
  c4.AddMetadata(kPrincipalMetadata, "user:city-admin");
  ASSERT_TRUE(Quota()->UpdateTarget(&c4, u, &out).ok());
  quo::ListTargetRevisionsRequest h;
  h.set_parent(mine.name());
  quo::ListTargetRevisionsResponse history;
  grpc::ClientContext c5;
  Authorize(c5, kHoanKiem.secret);
  ASSERT_TRUE(Quota()->ListTargetRevisions(&c5, h, &history).ok());
  ASSERT_EQ(history.revisions_size(), 1);
  EXPECT_EQ(history.revisions(0).revised_by(), kHoanKiem.principal);
}

TEST_F(GatewayE2ETest, StreamsGoThroughForThoseAllowed) {
  reg::StreamChangesRequest r;
  r.set_no_follow(true);
  grpc::ClientContext c1;
  Authorize(c1, kSystem.secret);
  auto reader = Registry()->StreamChanges(&c1, r);
  reg::StreamChangesResponse change;
  int n = 0;
  while (reader->Read(&change)) {
    ++n;
  }
  EXPECT_TRUE(reader->Finish().ok());
  EXPECT_GT(n, 50);
  grpc::ClientContext c2;
  Authorize(c2, kHoanKiem.secret);
  auto refused = Registry()->StreamChanges(&c2, r);
  EXPECT_FALSE(refused->Read(&change));
  EXPECT_EQ(refused->Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);

  // A client stream: the nightly import by the business registry's system.
  grpc::ClientContext c3;
  Authorize(c3, kSystem.secret);
  reg::ImportEnterprisesResponse summary;
  auto writer = Registry()->ImportEnterprises(&c3, &summary);
  for (int batch = 0; batch < 3; ++batch) {
    reg::ImportEnterprisesRequest m;
    for (int i = 0; i < 4; ++i) {
      auto* e = m.add_enterprises();
      e->set_enterprise_code(Code(20000 + 100 * batch + 10 * i));
      e->set_display_name("Nhập " + std::to_string(batch) + "-" + std::to_string(i));
      e->set_legal_form(type::v1::LEGAL_FORM_PARTNERSHIP);
      e->set_sector(type::v1::SECTOR_NON_STATE);
      e->set_seat_unit("units/00040");
      e->set_registration_date("2012-02-02");
    }
    ASSERT_TRUE(writer->Write(m));
  }
  writer->WritesDone();
  grpc::Status finished = writer->Finish();
  ASSERT_TRUE(finished.ok()) << finished.error_message();
  EXPECT_EQ(summary.created(), 12);
}

// Sets every field that names a place (name, parent, unit, assigner,
// assignee, seat_unit) to Hoàn Kiếm, and filters to Hoàn Kiếm's unit, in
// nested and repeated messages too.
void FillWithHoanKiem(google::protobuf::Message* m, int depth) {
  using google::protobuf::FieldDescriptor;
  const auto* d = m->GetDescriptor();
  const auto* r = m->GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->type() == FieldDescriptor::TYPE_STRING && !f->is_repeated()) {
      for (const char* name : {"name", "parent", "unit", "assigner", "assignee", "seat_unit"}) {
        if (f->name() == name) {
          r->SetString(m, f, "units/002");
        }
      }
      if (f->name() == "filter") {
        r->SetString(m, f, "unit = \"units/002\"");
      }
    } else if (f->type() == FieldDescriptor::TYPE_MESSAGE && depth < 2 &&
               !absl::StartsWith(f->message_type()->full_name(), "google.")) {
      FillWithHoanKiem(f->is_repeated() ? r->AddMessage(m, f) : r->MutableMessage(m, f), depth + 1);
    }
  }
}

TEST_F(GatewayE2ETest, EveryMethodRefusesMissingOrBadCredentialsAndWrongRoles) {
  grpc::GenericStub stub(gateway_->channel());
  google::protobuf::DynamicMessageFactory factory;
  int checked = 0;
  int in_scope = 0;
  for (const char* service_name :
       {"chitieu.registry.v1.RegistryService", "chitieu.quota.v1.QuotaService",
        "chitieu.reporting.v1.ReportingService", "chitieu.gateway.v1.GatewayService"}) {
    const auto* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(service_name);
    ASSERT_NE(service, nullptr);
    for (int m = 0; m < service->method_count(); ++m) {
      const auto* method = service->method(m);
      const std::string path = absl::StrCat("/", service_name, "/", method->name());
      // A request naming Hoàn Kiếm wherever a request names something.
      std::unique_ptr<google::protobuf::Message> request(
          factory.GetPrototype(method->input_type())->New());
      FillWithHoanKiem(request.get(), 0);
      auto call = [&](const std::string& key) {
        grpc::ClientContext ctx;
        Authorize(ctx, key);
        grpc::CompletionQueue cq;
        auto rpc = stub.PrepareCall(&ctx, path, &cq);
        void* tag;
        bool ok;
        rpc->StartCall(reinterpret_cast<void*>(1));
        cq.Next(&tag, &ok);
        grpc::Slice slice(request->SerializeAsString());
        grpc::ByteBuffer buffer(&slice, 1);
        rpc->WriteLast(buffer, grpc::WriteOptions(), reinterpret_cast<void*>(2));
        cq.Next(&tag, &ok);
        grpc::ByteBuffer response;
        rpc->Read(&response, reinterpret_cast<void*>(3));
        cq.Next(&tag, &ok);
        grpc::Status status;
        rpc->Finish(&status, reinterpret_cast<void*>(4));
        cq.Next(&tag, &ok);
        return status.error_code();
      };
      EXPECT_EQ(call(""), grpc::StatusCode::UNAUTHENTICATED) << path;
      EXPECT_EQ(call("not-a-key"), grpc::StatusCode::UNAUTHENTICATED) << path;
      EXPECT_EQ(call(*expired_token_), grpc::StatusCode::UNAUTHENTICATED) << path;
      // Roles by the declared access class; scopes are the authorization
      // matrix's (authz_matrix_e2e_test.cc), which fills each declared
      // field with a resource of its type.
      auto access = AccessOf(path);
      ASSERT_TRUE(access.ok()) << path;
      if (*access != type::v1::ACCESS_READ) {
        // A viewer may only read.
        EXPECT_EQ(call(kViewer.secret), grpc::StatusCode::PERMISSION_DENIED) << path;
      } else {
        ++in_scope;
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 40);
  EXPECT_GT(in_scope, 20);  // Reads.
}

TEST_F(GatewayE2ETest, MutationsAreAuditedForAuditors) {
  ASSERT_EQ(CreateEnterprise(kHoanKiem.secret, 300, "units/00037").error_code(),
            grpc::StatusCode::OK);
  ASSERT_EQ(CreateEnterprise(kTayHo.secret, 303, "units/00037").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  gw::ListAuditEntriesRequest r;
  r.set_filter("method = \"/chitieu.registry.v1.RegistryService/CreateEnterprise\"");
  r.set_page_size(1000);
  gw::ListAuditEntriesResponse out;
  grpc::ClientContext c1;
  Authorize(c1, kAuditor.secret);
  auto gateway = gw::GatewayService::NewStub(gateway_->channel());
  ASSERT_TRUE(gateway->ListAuditEntries(&c1, r, &out).ok());
  bool ok_entry = false, denied_entry = false;
  for (const auto& e : out.entries()) {
    if (e.request_id() == "gw-e2e-300" && e.outcome() == "OK" &&
        e.principal() == kHoanKiem.principal) {
      ok_entry = true;
    }
    if (e.request_id() == "gw-e2e-303" && e.outcome() == "PERMISSION_DENIED" &&
        e.principal() == kTayHo.principal) {
      denied_entry = true;
    }
    EXPECT_EQ(e.hash().size(), 64u);
  }
  EXPECT_TRUE(ok_entry);
  EXPECT_TRUE(denied_entry);
  grpc::ClientContext c2;
  Authorize(c2, kHoanKiem.secret);
  EXPECT_EQ(gateway->ListAuditEntries(&c2, r, &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(GatewayE2ETest, ServicesRefuseCallsThatSkipTheGateway) {
  reg::GetUnitRequest r;
  r.set_name("units/002");
  reg::Unit out;
  auto direct = reg::RegistryService::NewStub(registry_->channel());
  grpc::ClientContext c1;
  grpc::Status dbg = direct->GetUnit(&c1, r, &out);
  EXPECT_EQ(dbg.error_code(), grpc::StatusCode::UNAUTHENTICATED) << dbg.error_message();
  grpc::ClientContext c2;  // A forged identity does not help.
  c2.AddMetadata(kPrincipalMetadata, kCity.principal);
  EXPECT_EQ(direct->GetUnit(&c2, r, &out).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  grpc::ClientContext c3;
  c3.AddMetadata(kServiceSecretMetadata, "guess");
  EXPECT_EQ(direct->GetUnit(&c3, r, &out).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  reg::StreamChangesRequest feed;
  grpc::ClientContext c4;
  auto reader = direct->StreamChanges(&c4, feed);
  reg::StreamChangesResponse change;
  EXPECT_FALSE(reader->Read(&change));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
  // The batched feed reads its request as bytes: junk from a caller not
  // let in is refused as the caller, not as junk.
  reg::StreamChangeBatchesRequest junk;
  junk.GetReflection()->MutableUnknownFields(&junk)->AddLengthDelimited(99, std::string(2000, 'x'));
  for (const bool oversized : {false, true}) {
    grpc::ClientContext c;
    auto batches =
        direct->StreamChangeBatches(&c, oversized ? junk : reg::StreamChangeBatchesRequest());
    reg::StreamChangeBatchesResponse batch;
    EXPECT_FALSE(batches->Read(&batch));
    EXPECT_EQ(batches->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED) << oversized;
  }
  grpc::ClientContext c5;
  c5.AddMetadata(kServiceSecretMetadata, kServiceSecret);
  EXPECT_TRUE(direct->GetUnit(&c5, r, &out).ok());
  rep::GetProgressRequest p;
  p.set_unit("units/002");
  p.set_year(2013);
  rep::Progress progress;
  grpc::ClientContext c6;
  EXPECT_EQ(rep::ReportingService::NewStub(reporting_->channel())
                ->GetProgress(&c6, p, &progress)
                .error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(GatewayE2ETest, ServicesRecheckScopeThemselves) {
  // A caller holding the service secret (a compromised host, or a gateway
  // bug) still gets only what the principal it names may see: each service
  // applies the policy again over its own data.
  ASSERT_TRUE(CreateEnterprise(kTayHo.secret, 700, "units/003").ok());
  auto as = [&](grpc::ClientContext& ctx, const Key& key) {
    ctx.AddMetadata(kServiceSecretMetadata, kServiceSecret);
    ctx.AddMetadata(kPrincipalMetadata, key.principal);
    ctx.AddMetadata(kRoleMetadata, key.role);
    ctx.AddMetadata(kScopeMetadata, key.scope);
  };
  auto registry = reg::RegistryService::NewStub(registry_->channel());
  reg::GetEnterpriseRequest get;
  get.set_name("enterprises/" + Code(700));
  reg::Enterprise e;
  grpc::ClientContext c1;
  as(c1, kHoanKiem);
  EXPECT_EQ(registry->GetEnterprise(&c1, get, &e).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  grpc::ClientContext c2;
  as(c2, kTayHo);
  EXPECT_TRUE(registry->GetEnterprise(&c2, get, &e).ok());

  // The quota service: another district's targets.
  quo::ListTargetsRequest targets;
  targets.set_parent("units/003");
  targets.set_year(2013);
  quo::ListTargetsResponse listed;
  grpc::ClientContext c3;
  as(c3, kHoanKiem);
  EXPECT_EQ(quo::QuotaService::NewStub(quota_->channel())
                ->ListTargets(&c3, targets, &listed)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  grpc::ClientContext c4;
  as(c4, kTayHo);
  EXPECT_TRUE(
      quo::QuotaService::NewStub(quota_->channel())->ListTargets(&c4, targets, &listed).ok());

  // The reporting service, from its read model.
  rep::GetProgressRequest progress;
  progress.set_unit("units/003");
  progress.set_year(2013);
  rep::Progress p;
  grpc::ClientContext c5;
  as(c5, kHoanKiem);
  EXPECT_EQ(rep::ReportingService::NewStub(reporting_->channel())
                ->GetProgress(&c5, progress, &p)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // A viewer role may not write, whatever the scope; a principal with no
  // role may do nothing.
  grpc::ClientContext c6;
  as(c6, kViewer);
  reg::UpdateEnterpriseRequest update;
  update.mutable_enterprise()->set_name("enterprises/" + Code(700));
  EXPECT_EQ(registry->UpdateEnterprise(&c6, update, &e).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  grpc::ClientContext c7;
  c7.AddMetadata(kServiceSecretMetadata, kServiceSecret);
  c7.AddMetadata(kPrincipalMetadata, "user:nobody");
  EXPECT_EQ(registry->GetEnterprise(&c7, get, &e).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(GatewayE2ETest, JwtSignInOnBothProtocols) {
  rep::GetProgressRequest r;
  r.set_unit("units/002");
  r.set_year(2013);
  rep::Progress p;
  grpc::ClientContext c1;
  Authorize(c1, *officer_token_);
  ASSERT_TRUE(Reporting()->GetProgress(&c1, r, &p).ok());
  EXPECT_EQ(p.indicators(0).target(), 6);
  r.set_unit("units/003");
  grpc::ClientContext c2;
  Authorize(c2, *officer_token_);
  EXPECT_EQ(Reporting()->GetProgress(&c2, r, &p).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  grpc::ClientContext c3;
  Authorize(c3, *expired_token_);
  grpc::Status expired = Reporting()->GetProgress(&c3, r, &p);
  EXPECT_EQ(expired.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(absl::StrContains(expired.error_message(), "expired")) << expired.error_message();

  auto http = Http();
  EXPECT_EQ(StatusOf(http.Get("/v1/units/002/progress?year=2013", Bearer(*officer_token_))), 200);
  EXPECT_EQ(StatusOf(http.Get("/v1/units/003/progress?year=2013", Bearer(*officer_token_))), 403);
  EXPECT_EQ(StatusOf(http.Get("/v1/units/002/progress?year=2013", Bearer(*expired_token_))), 401);
  // A token signed by someone else's key under the same kid.
  const std::string forged_key = *gateway::NewSigningKeyPem(true);
  nlohmann::json claims = {{"iss", "https://id.test"},
                           {"aud", "chitieu"},
                           {"sub", "mallory"},
                           {"exp", absl::ToUnixSeconds(absl::Now()) + 600},
                           {"chitieu_role", "city_admin"},
                           {"chitieu_units", {"units/01"}}};
  const std::string forged = *gateway::SignJwt(forged_key, "idp-1", claims.dump());
  EXPECT_EQ(StatusOf(http.Get("/v1/units/002/progress?year=2013", Bearer(forged))), 401);
}

TEST_F(GatewayE2ETest, ManyConcurrentStreamsAllFinish) {
  // Regression: a read hold leaked when a response arrived before the
  // previous one's hold was given back, and the stream never finished.
  std::vector<std::thread> readers;
  std::atomic<int> finished{0};
  std::atomic<int> expected{-1};
  for (int i = 0; i < 24; ++i) {
    readers.emplace_back([&] {
      reg::StreamChangesRequest r;
      r.set_no_follow(true);
      grpc::ClientContext ctx;
      Authorize(ctx, kSystem.secret);
      auto reader = Registry()->StreamChanges(&ctx, r);
      reg::StreamChangesResponse change;
      int n = 0;
      while (reader->Read(&change)) {
        ++n;
      }
      if (reader->Finish().ok()) {
        ++finished;
        int none = -1;
        expected.compare_exchange_strong(none, n);
        EXPECT_GE(n, expected.load());
      }
    });
  }
  for (auto& t : readers) {
    t.join();
  }
  EXPECT_EQ(finished.load(), 24);
}

TEST_F(GatewayE2ETest, HealthReflectsTheBackends) {
  EXPECT_TRUE(IsServing(gateway_->channel(), 1000));
  EXPECT_TRUE(testing::WaitFor(
      [] {
        return IsServing(gateway_->channel(), 500, "chitieu.registry.v1.RegistryService") &&
               IsServing(gateway_->channel(), 500, "chitieu.quota.v1.QuotaService") &&
               IsServing(gateway_->channel(), 500, "chitieu.reporting.v1.ReportingService");
      },
      std::chrono::seconds(10)));
}

TEST_F(GatewayE2ETest, ReflectionListsTheProxiedServices) {
  // grpc.reflection.v1alpha: a ServerReflectionRequest with list_services
  // (field 7, empty string) answers the names of the services served.
  grpc::GenericStub stub(gateway_->channel());
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::CompletionQueue cq;
  auto rpc =
      stub.PrepareCall(&ctx, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq);
  void* tag;
  bool ok;
  rpc->StartCall(reinterpret_cast<void*>(1));
  ASSERT_TRUE(cq.Next(&tag, &ok) && ok);
  grpc::Slice request(std::string("\x3a\x00", 2));
  grpc::ByteBuffer buffer(&request, 1);
  rpc->WriteLast(buffer, grpc::WriteOptions(), reinterpret_cast<void*>(2));
  ASSERT_TRUE(cq.Next(&tag, &ok) && ok);
  grpc::ByteBuffer response;
  rpc->Read(&response, reinterpret_cast<void*>(3));
  ASSERT_TRUE(cq.Next(&tag, &ok) && ok);
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(response.Dump(&slices).ok());
  std::string bytes;
  for (const auto& s : slices) {
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  for (const char* service :
       {"chitieu.registry.v1.RegistryService", "chitieu.quota.v1.QuotaService",
        "chitieu.reporting.v1.ReportingService", "chitieu.gateway.v1.GatewayService"}) {
    EXPECT_TRUE(absl::StrContains(bytes, service)) << service;
  }
  grpc::Status status;
  rpc->Finish(&status, reinterpret_cast<void*>(4));
  cq.Next(&tag, &ok);
  // The listing does not capture the methods: they still go to the proxy.
  grpc::ClientContext c2;
  Authorize(c2, "");
  reg::GetUnitRequest r;
  r.set_name("units/002");
  reg::Unit unit;
  EXPECT_EQ(Registry()->GetUnit(&c2, r, &unit).error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(GatewayE2ETest, OversizedMessagesAreRefused) {
  reg::CreateEnterpriseRequest r;
  r.mutable_enterprise()->set_seat_unit("units/00037");
  r.mutable_enterprise()->set_display_name(std::string(300 * 1024, 'x'));
  reg::Enterprise out;
  grpc::ClientContext ctx;
  Authorize(ctx, kCity.secret);
  EXPECT_EQ(Registry()->CreateEnterprise(&ctx, r, &out).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
}

TEST_F(GatewayE2ETest, ApiKeysReloadOnSighup) {
  TempDir dir;
  const std::string keys = dir.path() + "/keys";
  std::ofstream(keys) << gateway::Sha256Hex("k-old") << " user:old viewer units/01\n";
  ServiceProcess gw(
      "chitieu-gateway", dir.path(),
      {"--registry_addr=" + registry_->address(), "--quota_addr=" + quota_->address(),
       "--reporting_addr=" + reporting_->address(), "--api_keys=" + keys,
       "--http_listen=127.0.0.1:0", "--service_secret=" + std::string(kServiceSecret)});
  ASSERT_TRUE(gw.Start()) << gw.error();
  auto get_unit = [&](const std::string& key) { return GetUnitVia(gw.channel(), key); };
  EXPECT_EQ(get_unit("k-old"), grpc::StatusCode::OK);
  EXPECT_EQ(get_unit("k-new"), grpc::StatusCode::UNAUTHENTICATED);
  // The admin replaces the old key with a new one and signals the gateway.
  std::ofstream(keys, std::ios::trunc)
      << gateway::Sha256Hex("k-new") << " user:new viewer units/01\n";
  ASSERT_EQ(kill(gw.pid(), SIGHUP), 0);
  EXPECT_TRUE(testing::WaitFor([&] { return get_unit("k-new") == grpc::StatusCode::OK; },
                               std::chrono::seconds(10)));
  EXPECT_EQ(get_unit("k-old"), grpc::StatusCode::UNAUTHENTICATED);
  // A broken file is refused; the keys in force stay, and the gateway runs on.
  std::ofstream(keys, std::ios::trunc) << "garbage\n";
  ASSERT_EQ(kill(gw.pid(), SIGHUP), 0);
  auto logged = [&](const std::string& text) {
    std::ifstream in(dir.path() + "/chitieu-gateway.log");
    std::stringstream log;
    log << in.rdbuf();
    return absl::StrContains(log.str(), text);
  };
  ASSERT_TRUE(testing::WaitFor([&] { return logged("credentials not reloaded"); },
                               std::chrono::seconds(10)));
  EXPECT_EQ(get_unit("k-new"), grpc::StatusCode::OK);
  std::ofstream(keys, std::ios::trunc)
      << gateway::Sha256Hex("k-new") << " user:new viewer units/01\n"
      << gateway::Sha256Hex("k-third") << " user:third viewer units/01\n";
  ASSERT_EQ(kill(gw.pid(), SIGHUP), 0);
  EXPECT_TRUE(testing::WaitFor([&] { return get_unit("k-third") == grpc::StatusCode::OK; },
                               std::chrono::seconds(10)));
  EXPECT_EQ(get_unit("k-new"), grpc::StatusCode::OK);
  EXPECT_EQ(gw.Terminate(), 0);
}

TEST_F(GatewayE2ETest, OverloadIsShedPerPrincipal) {
  // A second gateway over the same services, with a tight limit.
  TempDir dir;
  ServiceProcess limited = LimitedGateway(dir, {"--rate_limit_burst=2"});
  ASSERT_TRUE(limited.Start()) << limited.error();
  auto get_unit = [&](const std::string& key) { return GetUnitVia(limited.channel(), key); };
  EXPECT_EQ(get_unit(kViewer.secret), grpc::StatusCode::OK);
  EXPECT_EQ(get_unit(kViewer.secret), grpc::StatusCode::OK);
  EXPECT_EQ(get_unit(kViewer.secret), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(get_unit(kHoanKiem.secret), grpc::StatusCode::OK);  // Its own bucket.
  int port = 0;
  std::ifstream(dir.path() + "/http_port") >> port;
  httplib::Client http("127.0.0.1", port);
  auto refused = http.Get("/v1/units/002", Bearer(kViewer.secret));
  ASSERT_TRUE(refused);
  ASSERT_EQ(StatusOf(refused), 429);
}

TEST_F(GatewayE2ETest, HttpJsonRoutesAndErrorMapping) {
  auto http = Http();
  // The seed's targets through GET /v1/units/{unit}/progress.
  auto progress = http.Get("/v1/units/002/progress?year=2013", Bearer(kHoanKiem.secret));
  ASSERT_TRUE(progress);
  ASSERT_EQ(StatusOf(progress), 200);
  auto json = nlohmann::json::parse(progress->body);
  EXPECT_EQ(json["unit"], "units/002");
  EXPECT_EQ(json["year"], 2013);
  EXPECT_EQ(json["indicators"][0]["indicator"], "INDICATOR_NEW_PARTY_ORGANIZATIONS");
  EXPECT_EQ(json["indicators"][0]["target"], 6);
  EXPECT_TRUE(json["indicators"][0].contains("achieved"));
  EXPECT_TRUE(json["indicators"][0].contains("difference"));
  EXPECT_TRUE(json["indicators"][0].contains("status"));

  // Create, read, change status with a stale etag (409), bad input (400).
  const std::string code = Code(710);
  nlohmann::json e = {{"enterpriseCode", code},
                      {"displayName", "Công ty CP Đông Đô HTTP"},
                      {"legalForm", "LEGAL_FORM_JOINT_STOCK_COMPANY"},
                      {"sector", "SECTOR_NON_STATE"},
                      {"seatUnit", "units/00037"},
                      {"registrationDate", "2012-03-04"}};
  auto created = http.Post("/v1/enterprises?requestId=http-700", Bearer(kHoanKiem.secret), e.dump(),
                           "application/json");
  ASSERT_TRUE(created);
  ASSERT_EQ(StatusOf(created), 200) << created->body;
  auto again = http.Post("/v1/enterprises?requestId=http-700", Bearer(kHoanKiem.secret), e.dump(),
                         "application/json");
  ASSERT_TRUE(again);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->body, created->body);  // An idempotent retry.
  auto got = http.Get(("/v1/enterprises/" + code).c_str(), Bearer(kHoanKiem.secret));
  ASSERT_EQ(StatusOf(got), 200);
  EXPECT_EQ(nlohmann::json::parse(got->body)["displayName"], "Công ty CP Đông Đô HTTP");
  auto stale =
      http.Post(("/v1/enterprises/" + code + ":changeStatus").c_str(), Bearer(kHoanKiem.secret),
                R"({"status":"ENTERPRISE_STATUS_SUSPENDED","effectiveDate":"2013-05-01",)"
                R"("source":"tax-office","etag":"v0"})",
                "application/json");
  ASSERT_EQ(StatusOf(stale), 409);
  EXPECT_EQ(nlohmann::json::parse(stale->body)["code"], 10);
  auto bad = http.Post("/v1/enterprises", Bearer(kHoanKiem.secret),
                       R"({"enterpriseCode":"0100233480"})", "application/json");
  ASSERT_EQ(StatusOf(bad), 400);
  auto violation = nlohmann::json::parse(bad->body)["details"][0];
  EXPECT_EQ(violation["@type"], "type.googleapis.com/google.rpc.BadRequest");
  EXPECT_EQ(violation["fieldViolations"][0]["field"], "enterprise.enterprise_code");

  EXPECT_EQ(StatusOf(http.Get("/v1/units/002/progress?year=2013")), 401);
  EXPECT_EQ(StatusOf(http.Get("/v1/units/002/progress?year=2013", Bearer("nope"))), 401);
  EXPECT_EQ(StatusOf(http.Get("/v1/units/003/progress?year=2013", Bearer(kHoanKiem.secret))), 403);
  EXPECT_EQ(StatusOf(http.Get("/v1/no/such/route", Bearer(kHoanKiem.secret))), 404);
  EXPECT_EQ(
      StatusOf(http.Get("/v1/units/002/progress?year=2013&colour=red", Bearer(kHoanKiem.secret))),
      400);
  EXPECT_EQ(StatusOf(http.Post("/v1/enterprises", Bearer(kHoanKiem.secret), "{not json",
                               "application/json")),
            400);
  EXPECT_EQ(StatusOf(http.Post("/v1/enterprises", Bearer(kHoanKiem.secret),
                               std::string(100000, 'x'), "application/json")),
            413);
  auto missing = http.Get("/v1/units/002/targets/999999", Bearer(kHoanKiem.secret));
  ASSERT_EQ(StatusOf(missing), 404);

  // A file is answered as itself: the year's table as CSV, the same lines
  // ExportReport streams, for Excel (a byte order mark, CRLF), named.
  auto csv = http.Get("/v1/units/002:downloadExport?year=2013&format=EXPORT_FORMAT_CSV",
                      Bearer(kHoanKiem.secret));
  ASSERT_EQ(StatusOf(csv), 200) << csv->body;
  EXPECT_EQ(csv->get_header_value("Content-Type"), "text/csv; charset=utf-8");
  EXPECT_EQ(csv->get_header_value("Content-Disposition"),
            "attachment; filename=\"chi-tieu-002-2013.csv\"; "
            "filename*=UTF-8''chi-tieu-002-2013.csv");
  EXPECT_EQ(csv->get_header_value("X-Content-Type-Options"), "nosniff");
  ASSERT_TRUE(absl::StartsWith(csv->body, "\xEF\xBB\xBF")) << csv->body.substr(0, 20);
  auto rows = http.Get("/v1/units/002:exportReport?year=2013", Bearer(kHoanKiem.secret));
  ASSERT_EQ(StatusOf(rows), 200);
  std::string expected = "\xEF\xBB\xBF";
  for (absl::string_view line : absl::StrSplit(rows->body, '\n', absl::SkipEmpty())) {
    absl::StrAppend(&expected, nlohmann::json::parse(line)["csvRow"].get<std::string>(), "\r\n");
  }
  EXPECT_GT(expected.size(), 100u);
  EXPECT_EQ(csv->body, expected);
  // The workbook, its numbers as numbers; the year-end report as a PDF.
  auto xlsx = http.Get("/v1/units/002:downloadExport?year=2013&format=EXPORT_FORMAT_XLSX",
                       Bearer(kHoanKiem.secret));
  ASSERT_EQ(StatusOf(xlsx), 200) << xlsx->body;
  EXPECT_EQ(xlsx->get_header_value("Content-Type"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  EXPECT_TRUE(absl::StrContains(xlsx->get_header_value("Content-Disposition"),
                                "filename=\"chi-tieu-002-2013.xlsx\""));
  auto book = testing::WorkbookCells(xlsx->body);
  ASSERT_TRUE(book.ok()) << book.status();
  EXPECT_EQ((*book)["sheets"].size(), 4u);
  EXPECT_EQ((*book)["sheets"][0]["rows"][4][2], 6) << book->dump();
  auto pdf =
      http.Get("/v1/units/002:downloadYearEndReport?year=2013&format=YEAR_END_REPORT_FORMAT_PDF",
               Bearer(kHoanKiem.secret));
  ASSERT_EQ(StatusOf(pdf), 200) << pdf->body;
  EXPECT_EQ(pdf->get_header_value("Content-Type"), "application/pdf");
  EXPECT_TRUE(absl::StrContains(pdf->get_header_value("Content-Disposition"),
                                "filename=\"bao-cao-nam-002-2013.pdf\""));
  auto text = testing::PdfText(pdf->body);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_TRUE(absl::StrContains(*text, "0/6")) << *text;
  EXPECT_TRUE(absl::StrContains(*text, "Công đoàn cơ sở thành lập mới")) << *text;
  auto no_pdf = http.Get("/v1/units/002:downloadYearEndReport?year=2013", Bearer(kHoanKiem.secret));
  EXPECT_EQ(StatusOf(no_pdf), 400) << no_pdf->body;
  EXPECT_TRUE(absl::StrContains(no_pdf->body, "format")) << no_pdf->body;
  // A format not asked for, or another district's unit: a JSON refusal.
  auto unasked = http.Get("/v1/units/002:downloadExport?year=2013", Bearer(kHoanKiem.secret));
  EXPECT_EQ(StatusOf(unasked), 400) << unasked->body;
  EXPECT_TRUE(absl::StrContains(unasked->body, "format")) << unasked->body;
  auto elsewhere = http.Get("/v1/units/003:downloadExport?year=2013&format=EXPORT_FORMAT_CSV",
                            Bearer(kHoanKiem.secret));
  EXPECT_EQ(StatusOf(elsewhere), 403) << elsewhere->body;

  // A server stream is newline-delimited JSON.
  auto feed =
      http.Get("/v1/feeds/quota/changes?afterSequence=0&noFollow=true", Bearer(kSystem.secret));
  ASSERT_EQ(StatusOf(feed), 200);
  int lines = 0;
  for (absl::string_view line : absl::StrSplit(feed->body, '\n', absl::SkipEmpty())) {
    auto change = nlohmann::json::parse(line);
    EXPECT_EQ(change["sequence"], std::to_string(++lines));
  }
  EXPECT_GT(lines, 5);

  // The OpenAPI document is generated from the protos, its templates
  // expanded (services/gateway/openapi_test.cc tests it whole).
  auto openapi = http.Get("/openapi.json");
  ASSERT_EQ(StatusOf(openapi), 200);
  auto doc = nlohmann::json::parse(openapi->body);
  EXPECT_TRUE(doc["paths"].contains("/v1/enterprises/{enterprise}:changeStatus"));
  EXPECT_TRUE(doc["paths"]["/v1/units/{unit}/progress"].contains("get"));
}

}  // namespace
}  // namespace chitieu

namespace chitieu {
namespace {

// Finding (issue 17): one unauthenticated request with a non-ASCII header
// aborted the gateway (the HTTP bridge copied raw header values into gRPC
// metadata, which gRPC's C++ library asserts on); so did a tab in
// X-Request-Id, a non-ASCII gRPC header from a valid key, and a correctly
// signed JWT whose sub has Vietnamese diacritics. Each is answered now, and
// the gateway still serves the next call.
TEST_F(GatewayE2ETest, HostileHeaderValuesNeverAbortTheGateway) {
  auto http = Http();
  auto survives = [&] {
    EXPECT_EQ(StatusOf(http.Get("/v1/units/002/progress?year=2013", Bearer(kHoanKiem.secret))),
              200);
  };
  EXPECT_EQ(StatusOf(http.Get("/v1/units/002", {{"X-Request-Id", "caf\xc3\xa9"}})), 401);
  survives();
  EXPECT_EQ(StatusOf(http.Get("/v1/units/002", {{"X-Request-Id", "a\tb"},
                                                {"Authorization", "Bearer " + kHoanKiem.secret}})),
            200);
  survives();
  EXPECT_EQ(StatusOf(http.Get("/v1/units/002", {{"Authorization", "Bearer caf\xc3\xa9"}})), 401);
  survives();
  {
    // A valid key with non-ASCII gRPC headers. gRPC's own clients refuse to
    // send such a value, so curl speaks HTTP/2 to the gateway directly.
    reg::GetUnitRequest r;
    r.set_name("units/002");
    const std::string body = r.SerializeAsString();
    std::string frame(5, '\0');
    frame[4] = static_cast<char>(body.size());
    std::ofstream(dir_->path() + "/grpc-frame", std::ios::binary) << frame << body;
    auto curl = testing::RunShell(
        "curl -sS -o /dev/null -w '%{http_code}' --http2-prior-knowledge "
        "-H 'content-type: application/grpc' -H 'te: trailers' "
        "-H 'authorization: Bearer " +
            kHoanKiem.secret +
            "' "
            "-H \"x-note: $(printf 'ghi ch\\303\\272')\" "
            "-H \"x-request-id: $(printf 'caf\\303\\251')\" "
            "--data-binary @grpc-frame http://" +
            gateway_->address() + "/chitieu.registry.v1.RegistryService/GetUnit",
        dir_->path());
    EXPECT_EQ(curl.out, "200") << curl.err;
    grpc::ClientContext ctx;
    Authorize(ctx, kHoanKiem.secret);
    reg::Unit out;
    EXPECT_TRUE(Registry()->GetUnit(&ctx, r, &out).ok());
  }
  {
    // A person whose sub has diacritics writes, and the audit log and the
    // services see the name as it is.
    const std::string token =
        Token("nguy\xe1\xbb\x85n.v\xc4\x83n.a", "district_officer", "units/002", 600);
    EXPECT_EQ(StatusOf(http.Get("/v1/units/002/progress?year=2013", Bearer(token))), 200);
    grpc::ClientContext ctx;
    Authorize(ctx, token);
    ctx.AddMetadata("x-request-id", "diacritics-1");
    reg::CreateEnterpriseRequest r;
    std::string code;
    for (int s = 4400; code.empty(); ++s) {
      code = registry::MakeEnterpriseCode(1, s);
    }
    r.mutable_enterprise()->set_enterprise_code(code);
    r.mutable_enterprise()->set_display_name("Công ty CP Dấu");
    r.mutable_enterprise()->set_legal_form(type::v1::LEGAL_FORM_JOINT_STOCK_COMPANY);
    r.mutable_enterprise()->set_sector(type::v1::SECTOR_NON_STATE);
    r.mutable_enterprise()->set_seat_unit("units/00037");
    r.mutable_enterprise()->set_registration_date("2012-02-02");
    reg::Enterprise out;
    grpc::Status s = Registry()->CreateEnterprise(&ctx, r, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    gw::ListAuditEntriesRequest list;
    list.set_filter("principal = \"user:nguy\xe1\xbb\x85n.v\xc4\x83n.a\"");
    gw::ListAuditEntriesResponse entries;
    grpc::ClientContext c2;
    Authorize(c2, kAuditor.secret);
    ASSERT_TRUE(gw::GatewayService::NewStub(gateway_->channel())
                    ->ListAuditEntries(&c2, list, &entries)
                    .ok());
    ASSERT_EQ(entries.entries_size(), 1);
    EXPECT_EQ(entries.entries(0).request_id(), "diacritics-1");
    EXPECT_EQ(entries.entries(0).resource(), "enterprises/" + code);
  }
  survives();
}

}  // namespace
}  // namespace chitieu

namespace chitieu {
namespace {

// Findings (issue 17): GetScorecard (three reporting calls) and
// ListAuditEntries skipped the rate limit, and failed authentications were
// never limited, so API keys could be guessed at full speed.
TEST_F(GatewayE2ETest, FailedSignInsAndFanOutsAreLimited) {
  TempDir dir;
  ServiceProcess limited = LimitedGateway(
      dir,
      {"--rate_limit_burst=4", "--failed_sign_ins_per_minute=0.6", "--failed_sign_ins_burst=3"});
  ASSERT_TRUE(limited.Start()) << limited.error();
  auto gateway = gw::GatewayService::NewStub(limited.channel());
  auto scorecard = [&](const std::string& key) {
    grpc::ClientContext ctx;
    Authorize(ctx, key);
    gw::GetScorecardRequest r;
    r.set_unit("units/002");
    r.set_year(2013);
    gw::Scorecard out;
    return gateway->GetScorecard(&ctx, r, &out);
  };
  // A scorecard costs three calls: one fits in a burst of four, a second
  // does not; the audit log is limited too.
  EXPECT_TRUE(scorecard(kHoanKiem.secret).ok());
  grpc::Status second = scorecard(kHoanKiem.secret);
  EXPECT_EQ(second.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(second.error_details()));
  google::rpc::RetryInfo retry;
  ASSERT_EQ(details.details_size(), 1);
  ASSERT_TRUE(details.details(0).UnpackTo(&retry));
  EXPECT_GT(retry.retry_delay().seconds(), 0);
  for (int i = 0; i < 4; ++i) {
    grpc::ClientContext ctx;
    Authorize(ctx, kAuditor.secret);
    gw::ListAuditEntriesRequest r;
    gw::ListAuditEntriesResponse out;
    EXPECT_EQ(gateway->ListAuditEntries(&ctx, r, &out).error_code(), grpc::StatusCode::OK);
  }
  {
    grpc::ClientContext ctx;
    Authorize(ctx, kAuditor.secret);
    gw::ListAuditEntriesRequest r;
    gw::ListAuditEntriesResponse out;
    EXPECT_EQ(gateway->ListAuditEntries(&ctx, r, &out).error_code(),
              grpc::StatusCode::RESOURCE_EXHAUSTED);
  }
  // Three wrong keys from this address are UNAUTHENTICATED; then the
  // address must wait, even with a right key, over gRPC and HTTP.
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(GetUnitVia(limited.channel(), "guess-" + std::to_string(i)),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  EXPECT_EQ(GetUnitVia(limited.channel(), "guess-3"), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(GetUnitVia(limited.channel(), kViewer.secret), grpc::StatusCode::RESOURCE_EXHAUSTED);
  int port = 0;
  std::ifstream(dir.path() + "/http_port") >> port;
  httplib::Client http("127.0.0.1", port);
  // The HTTP bridge passes the client's address on: the same address.
  auto refused = http.Get("/v1/units/002", Bearer("guess-http"));
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 429);
  EXPECT_FALSE(refused->get_header_value("Retry-After").empty());
}

}  // namespace
}  // namespace chitieu

namespace chitieu {
namespace {

// Finding (issue 17): the gateway's call log showed the principal an
// unauthenticated caller sent in its own metadata. It names only the
// principal the gateway authenticated.
TEST_F(GatewayE2ETest, TheCallLogNamesOnlyTheAuthenticatedPrincipal) {
  for (const std::string& key : {std::string(), kViewer.secret}) {
    grpc::ClientContext ctx;
    Authorize(ctx, key);
    ctx.AddMetadata(kPrincipalMetadata, "forged:city-admin");
    ctx.AddMetadata(kRoleMetadata, "city_admin");
    ctx.AddMetadata("x-request-id", key.empty() ? "forged-anon" : "forged-viewer");
    reg::GetUnitRequest r;
    r.set_name("units/002");
    reg::Unit out;
    EXPECT_EQ(Registry()->GetUnit(&ctx, r, &out).error_code(),
              key.empty() ? grpc::StatusCode::UNAUTHENTICATED : grpc::StatusCode::OK);
  }
  // The log is written as calls finish; read it until both lines are there.
  const std::string path = stack_->dir() + "/gateway/chitieu-gateway.log";
  std::string anon, viewer;
  testing::WaitFor(
      [&] {
        std::ifstream in(path);
        for (std::string line; std::getline(in, line);) {
          if (absl::StrContains(line, "\"forged-anon\"")) {
            anon = line;
          }
          if (absl::StrContains(line, "\"forged-viewer\"")) {
            viewer = line;
          }
        }
        return !anon.empty() && !viewer.empty();
      },
      std::chrono::seconds(10));
  ASSERT_FALSE(anon.empty());
  ASSERT_FALSE(viewer.empty());
  EXPECT_FALSE(absl::StrContains(anon, "forged:city-admin")) << anon;
  EXPECT_FALSE(absl::StrContains(anon, "\"principal\"")) << anon;
  EXPECT_TRUE(absl::StrContains(viewer, kViewer.principal)) << viewer;
  EXPECT_FALSE(absl::StrContains(viewer, "forged:city-admin")) << viewer;
}

}  // namespace
}  // namespace chitieu

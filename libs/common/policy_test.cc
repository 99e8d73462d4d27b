// Tests of the policy, and that every method of every service declares its
// authorization.

#include "libs/common/policy.h"

#include <fstream>
#include <map>
#include <sstream>

#include "chitieu/gateway/v1/gateway.pb.h"
#include "chitieu/quota/v1/quota.pb.h"
#include "chitieu/registry/v1/registry.pb.h"
#include "chitieu/reporting/v1/reporting.pb.h"
#include "google/protobuf/descriptor.pb.h"
#include "gtest/gtest.h"
#include "libs/common/errors.h"
#include "tests/support/fake_resource_directory.h"

namespace chitieu {
namespace {

namespace tv1 = ::chitieu::type::v1;

constexpr char kRegistry[] = "/chitieu.registry.v1.RegistryService/";
constexpr char kQuota[] = "/chitieu.quota.v1.QuotaService/";
constexpr char kReporting[] = "/chitieu.reporting.v1.ReportingService/";

Principal Officer() { return {"user:hk", Role::kDistrictOfficer, {"units/002"}}; }
Principal CityAdmin() { return {"user:city", Role::kCityAdmin, {"units/01"}}; }

class PolicyTest : public ::testing::Test {
 protected:
  absl::Status Call(const Principal& p, const std::string& method,
                    const google::protobuf::Message& request, Decision* d = nullptr) {
    return policy_.Authorize(p, method, request, d);
  }
  testing::FakeResourceDirectory directory_;
  Policy policy_{&directory_};
};

TEST_F(PolicyTest, ReadsAreJudgedByTheStoredSeat) {
  registry::v1::GetEnterpriseRequest get;
  get.set_name("enterprises/0100000001");
  EXPECT_TRUE(Call(Officer(), std::string(kRegistry) + "GetEnterprise", get).ok());
  get.set_name("enterprises/0100000002");
  absl::Status other = Call(Officer(), std::string(kRegistry) + "GetEnterprise", get);
  get.set_name("enterprises/0100000009");
  absl::Status none = Call(Officer(), std::string(kRegistry) + "GetEnterprise", get);
  // Out of scope and nonexistent: the same code and the same text.
  EXPECT_EQ(other.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(other, none);
  EXPECT_EQ(other.message(), "name is not in your scope");
}

TEST_F(PolicyTest, AScopeIsASubtreeEvenAtTheRoot) {
  // Finding: a root in scope covered every unit there is. A viewer of
  // province 79 reads nothing of Hà Nội.
  Principal hcm{"user:hcm", Role::kViewer, {"units/79"}};
  registry::v1::GetEnterpriseRequest get;
  get.set_name("enterprises/0100000001");
  EXPECT_EQ(Call(hcm, std::string(kRegistry) + "GetEnterprise", get).code(),
            absl::StatusCode::kPermissionDenied);
  get.set_name("enterprises/0300000003");
  EXPECT_TRUE(Call(hcm, std::string(kRegistry) + "GetEnterprise", get).ok());
  registry::v1::ListEnterprisesRequest list;
  list.set_filter("unit = \"units/002\"");
  EXPECT_EQ(Call(hcm, std::string(kRegistry) + "ListEnterprises", list).code(),
            absl::StatusCode::kPermissionDenied);
  // A list bounded by nothing needs every province in scope.
  list.clear_filter();
  EXPECT_EQ(Call(hcm, std::string(kRegistry) + "ListEnterprises", list).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Call(CityAdmin(), std::string(kRegistry) + "ListEnterprises", list).code(),
            absl::StatusCode::kPermissionDenied);
  Principal both{"user:both", Role::kViewer, {"units/01", "units/79"}};
  EXPECT_TRUE(Call(both, std::string(kRegistry) + "ListEnterprises", list).ok());
  // `!=` bounds nothing.
  list.set_filter("unit != \"units/001\"");
  EXPECT_EQ(Call(Officer(), std::string(kRegistry) + "ListEnterprises", list).code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(PolicyTest, UpdatesNeedTheStoredSeatAndTheNewOne) {
  const std::string method = std::string(kRegistry) + "UpdateEnterprise";
  // Finding: a name-less update looked the enterprise up by its code. The
  // code names nothing here (the registry requires the name); the new
  // seat is still judged.
  registry::v1::UpdateEnterpriseRequest update;
  update.mutable_enterprise()->set_enterprise_code("0100000002");
  update.mutable_enterprise()->set_seat_unit("units/001");
  EXPECT_EQ(Call(Officer(), method, update).message(), "enterprise.seat_unit is not in your scope");
  update.mutable_enterprise()->set_seat_unit("units/002");
  // Another district's enterprise, moved into ours: its stored seat decides.
  update.mutable_enterprise()->set_name("enterprises/0100000002");
  EXPECT_EQ(Call(Officer(), method, update).message(), "enterprise.name is not in your scope");
  // Ours, moved out: the new seat decides.
  update.mutable_enterprise()->set_name("enterprises/0100000001");
  update.mutable_enterprise()->set_seat_unit("units/001");
  EXPECT_EQ(Call(Officer(), method, update).message(), "enterprise.seat_unit is not in your scope");
  update.mutable_enterprise()->set_seat_unit("units/00037");
  Decision decision;
  ASSERT_TRUE(Call(Officer(), method, update, &decision).ok());
  EXPECT_EQ(decision.resources,
            (std::vector<std::string>{"enterprises/0100000001", "units/00037"}));
  EXPECT_EQ(decision.units, (std::set<std::string>{"units/00037", "units/002", "units/01"}));
}

TEST_F(PolicyTest, CreatesThatCollideAnswerAsReadsDo) {
  const std::string method = std::string(kRegistry) + "CreateEnterprise";
  registry::v1::CreateEnterpriseRequest create;
  create.mutable_enterprise()->set_enterprise_code("0100000002");  // Ba Đình's.
  create.mutable_enterprise()->set_seat_unit("units/002");
  EXPECT_EQ(Call(Officer(), method, create).message(),
            "enterprise.enterprise_code is not in your scope");
  // One in our district collides for the service to say; a new one goes on.
  create.mutable_enterprise()->set_enterprise_code("0100000001");
  EXPECT_TRUE(Call(Officer(), method, create).ok());
  create.mutable_enterprise()->set_enterprise_code("0100000099");
  Decision decision;
  ASSERT_TRUE(Call(Officer(), method, create, &decision).ok());
  EXPECT_EQ(decision.resources, (std::vector<std::string>{"enterprises/0100000099", "units/002"}));
  // A body in another district, the same.
  registry::v1::CreateBodyRequest body;
  body.set_body_id("bd");
  body.mutable_body()->set_unit("units/002");
  EXPECT_EQ(Call(Officer(), std::string(kRegistry) + "CreateBody", body).message(),
            "body_id is not in your scope");
}

TEST_F(PolicyTest, ImportRowsDeclareTheirSeatsAndLeaveStoredOnesToTheRegistry) {
  const std::string method = std::string(kRegistry) + "ImportEnterprises";
  registry::v1::ImportEnterprisesRequest batch;
  auto* row = batch.add_enterprises();
  row->set_enterprise_code("0100000002");  // Stored in Ba Đình: the registry checks it.
  row->set_seat_unit("units/002");
  EXPECT_TRUE(Call(Officer(), method, batch).ok());
  batch.add_enterprises()->set_seat_unit("units/001");
  EXPECT_EQ(Call(Officer(), method, batch).message(),
            "enterprises[1].seat_unit is not in your scope");
  // A malformed seat in a row is the registry's to reject, row by row.
  batch.mutable_enterprises(1)->set_seat_unit("Hoàn Kiếm");
  EXPECT_TRUE(Call(Officer(), method, batch).ok());
}

TEST_F(PolicyTest, TargetsAreChangedByTheirAssigner) {
  quota::v1::UpdateTargetRequest update;
  update.mutable_target()->set_name("units/002/targets/1");  // Assigned by the city.
  EXPECT_EQ(Call(Officer(), std::string(kQuota) + "UpdateTarget", update).code(),
            absl::StatusCode::kPermissionDenied);
  update.mutable_target()->set_name("units/00037/targets/2");
  EXPECT_TRUE(Call(Officer(), std::string(kQuota) + "UpdateTarget", update).ok());
  // Read: the unit it lives under.
  quota::v1::GetTargetRequest get;
  get.set_name("units/002/targets/1");
  EXPECT_TRUE(Call(Officer(), std::string(kQuota) + "GetTarget", get).ok());
  // Assigned across districts.
  quota::v1::CreateTargetRequest create;
  create.set_parent("units/001");
  create.mutable_target()->set_assigner("units/002");
  create.mutable_target()->set_assignee("units/001");
  EXPECT_EQ(Call(Officer(), std::string(kQuota) + "CreateTarget", create).message(),
            "parent is not in your scope");
  create.set_parent("units/00037");
  create.mutable_target()->set_assignee("bodies/bd");
  EXPECT_EQ(Call(Officer(), std::string(kQuota) + "CreateTarget", create).message(),
            "target.assignee is not in your scope");
  create.mutable_target()->set_assignee("units/00037");
  EXPECT_TRUE(Call(Officer(), std::string(kQuota) + "CreateTarget", create).ok());
}

TEST_F(PolicyTest, BodiesAboveMayFoundInADistrict) {
  registry::v1::CreateOrganizationRequest create;
  create.set_parent("enterprises/0100000001");
  create.mutable_organization()->set_founding_body("bodies/city");
  EXPECT_TRUE(Call(Officer(), std::string(kRegistry) + "CreateOrganization", create).ok());
  create.mutable_organization()->set_founding_body("bodies/bd");
  EXPECT_EQ(Call(Officer(), std::string(kRegistry) + "CreateOrganization", create).message(),
            "organization.founding_body is not in your scope");
}

// Review finding: any value ending in "/-" skipped every check. The
// wildcard stands only where a field declares it (a list's parent); a body
// named "bodies/-" is judged like any other.
TEST_F(PolicyTest, TheWildcardStandsOnlyWhereDeclared) {
  registry::v1::GetBodyRequest get;
  get.set_name("bodies/-");
  EXPECT_EQ(Call(Officer(), std::string(kRegistry) + "GetBody", get).message(),
            "name is not in your scope");
  registry::v1::CreateOrganizationRequest create;
  create.set_parent("enterprises/0100000001");
  create.mutable_organization()->set_founding_body("bodies/-");
  EXPECT_EQ(Call(Officer(), std::string(kRegistry) + "CreateOrganization", create).code(),
            absl::StatusCode::kPermissionDenied);
  registry::v1::CreateUnitRequest unit;
  unit.mutable_unit()->set_name("units/48");
  unit.mutable_unit()->set_parent("units/-");
  EXPECT_EQ(Call(CityAdmin(), std::string(kRegistry) + "CreateUnit", unit).code(),
            absl::StatusCode::kPermissionDenied);
  registry::v1::ListOrganizationsRequest list;
  list.set_parent("enterprises/-");
  list.set_filter("unit = \"units/002\"");
  EXPECT_TRUE(Call(Officer(), std::string(kRegistry) + "ListOrganizations", list).ok());
}

// Review finding: a refused call's audit entry carried the stored unit of
// the resource it was refused, telling the caller's auditors where another
// district's enterprise is. A refusal keeps only units the caller covers.
TEST_F(PolicyTest, ARefusalRecordsNoUnitOutsideTheCallersScope) {
  registry::v1::UpdateEnterpriseRequest update;
  update.mutable_enterprise()->set_name("enterprises/0300000003");  // In province 79.
  update.mutable_enterprise()->set_seat_unit("units/00037");
  Decision decision;
  EXPECT_EQ(Call(Officer(), std::string(kRegistry) + "UpdateEnterprise", update, &decision).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(decision.resources,
            (std::vector<std::string>{"enterprises/0300000003", "units/00037"}));
  EXPECT_TRUE(decision.units.empty());
}

TEST_F(PolicyTest, Relations) {
  // RELATION_PARENT: an approver over the parent acts on a child unit.
  EXPECT_TRUE(*policy_.Relates(Officer(), "units/00037", tv1::RELATION_PARENT));
  EXPECT_FALSE(*policy_.Relates(Officer(), "units/002", tv1::RELATION_PARENT));
  EXPECT_FALSE(*policy_.Relates(CityAdmin(), "units/01", tv1::RELATION_PARENT));
  EXPECT_TRUE(*policy_.Relates(CityAdmin(), "units/002", tv1::RELATION_PARENT));
  // RELATION_SUBTREE_OR_ABOVE: a ward sees its district and its city.
  Principal ward{"user:ward", Role::kViewer, {"units/00037"}};
  EXPECT_TRUE(*policy_.Relates(ward, "units/002", tv1::RELATION_SUBTREE_OR_ABOVE));
  EXPECT_TRUE(*policy_.Relates(ward, "units/01", tv1::RELATION_SUBTREE_OR_ABOVE));
  EXPECT_FALSE(*policy_.Relates(ward, "units/001", tv1::RELATION_SUBTREE_OR_ABOVE));
  EXPECT_FALSE(*policy_.Relates(ward, "units/79", tv1::RELATION_SUBTREE_OR_ABOVE));
  EXPECT_FALSE(*policy_.Relates(ward, "units/002", tv1::RELATION_SUBTREE));
}

TEST_F(PolicyTest, RolesAndWholeSystemMethods) {
  Principal viewer{"user:v", Role::kViewer, {"units/002"}};
  registry::v1::CreateOrganizationRequest create;
  create.set_parent("enterprises/0100000001");
  EXPECT_EQ(Call(viewer, std::string(kRegistry) + "CreateOrganization", create).code(),
            absl::StatusCode::kPermissionDenied);
  registry::v1::StreamChangesRequest feed;
  Principal system{"system:x", Role::kSystem, {"units/01"}};
  // The feed needs every province.
  EXPECT_EQ(Call(system, std::string(kRegistry) + "StreamChanges", feed).code(),
            absl::StatusCode::kPermissionDenied);
  system.scope.insert("units/79");
  EXPECT_TRUE(Call(system, std::string(kRegistry) + "StreamChanges", feed).ok());
  EXPECT_EQ(Call(system, "/chitieu.other.v1.Other/Do", feed).code(),
            absl::StatusCode::kPermissionDenied);
  // A new province: only a caller covering every province.
  registry::v1::CreateUnitRequest unit;
  unit.mutable_unit()->set_name("units/48");
  EXPECT_EQ(Call(CityAdmin(), std::string(kRegistry) + "CreateUnit", unit).code(),
            absl::StatusCode::kPermissionDenied);
  unit.mutable_unit()->set_parent("units/01");
  EXPECT_TRUE(Call(CityAdmin(), std::string(kRegistry) + "CreateUnit", unit).ok());
  directory_.roots = {"units/01"};
  unit.mutable_unit()->clear_parent();
  EXPECT_TRUE(Call(CityAdmin(), std::string(kRegistry) + "CreateUnit", unit).ok());
}

TEST_F(PolicyTest, MalformedNamesAreInvalidWhoeverAsks) {
  registry::v1::GetEnterpriseRequest get;
  get.set_name("units/002");  // The wrong type for the field.
  absl::Status s = Call(Officer(), std::string(kRegistry) + "GetEnterprise", get);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GetFieldViolations(s).begin()->first, "name");
  // Absent, it names nothing: the service says it is required.
  get.clear_name();
  EXPECT_TRUE(Call(Officer(), std::string(kRegistry) + "GetEnterprise", get).ok());
}

TEST_F(PolicyTest, ProvinceWideReadsMakeNoLookupWithTheFastPath) {
  Policy fast(&directory_, /*whole_system_fast_path=*/true);
  Principal all{"user:all", Role::kViewer, {"units/01", "units/79"}};
  registry::v1::GetEnterpriseRequest get;
  get.set_name("enterprises/0100000009");
  const int before = directory_.lookups;
  EXPECT_TRUE(fast.Authorize(all, std::string(kRegistry) + "GetEnterprise", get).ok());
  EXPECT_EQ(directory_.lookups.load(), before);
  // Without it (the services), the same call is resolved and passed on.
  EXPECT_TRUE(policy_.Authorize(all, std::string(kRegistry) + "GetEnterprise", get).ok());
  EXPECT_GT(directory_.lookups.load(), before);
}

// The shortcut is for reads: a mutation is judged in full whether or not
// the caller asks for the decision (the gateway's relay always does, its
// own methods do not), so a relation stricter than the scope (an approver
// acts on a child unit's report, never on its own) still holds.
TEST_F(PolicyTest, MutationsAreJudgedInFullWithTheFastPath) {
  Policy fast(&directory_, /*whole_system_fast_path=*/true);
  Principal all{"user:all", Role::kCityAdmin, {"units/01", "units/79"}};
  const std::string method = std::string(kReporting) + "ApproveReport";
  reporting::v1::ApproveReportRequest own;
  own.set_name("units/01/reports/2013");  // A province has no parent.
  EXPECT_EQ(fast.Authorize(all, method, own).code(), absl::StatusCode::kPermissionDenied);
  Decision decision;
  EXPECT_EQ(fast.Authorize(all, method, own, &decision).code(),
            absl::StatusCode::kPermissionDenied);
  reporting::v1::ApproveReportRequest child;
  child.set_name("units/002/reports/2013");
  EXPECT_TRUE(fast.Authorize(all, method, child).ok());
}

// Every method of every service in the descriptor set of proto/ declares
// its authorization: a method added without one fails here, saying what to
// add.
TEST(Declarations, EveryMethodOfEveryServiceDeclaresItsAuthorization) {
  std::ifstream in(CHITIEU_DESCRIPTOR_SET, std::ios::binary);
  ASSERT_TRUE(in) << CHITIEU_DESCRIPTOR_SET;
  std::stringstream bytes;
  bytes << in.rdbuf();
  google::protobuf::FileDescriptorSet set;
  ASSERT_TRUE(set.ParseFromString(bytes.str()));
  // Built from the set itself, so every service is there whether or not
  // this binary links its code (the declarations are read as options).
  google::protobuf::DescriptorPool pool;
  for (const auto& file : set.file()) {
    ASSERT_NE(pool.BuildFile(file), nullptr) << file.name();
  }
  int services = 0, methods = 0;
  for (const auto& file : set.file()) {
    if (file.package().rfind("chitieu.", 0) != 0) {
      continue;
    }
    for (const auto& service : file.service()) {
      const std::string name = file.package() + "." + service.name();
      const auto* d = pool.FindServiceByName(name);
      ASSERT_NE(d, nullptr) << name;
      absl::Status s = CheckDeclarations(d);
      EXPECT_TRUE(s.ok()) << s.message();
      ++services;
      methods += d->method_count();
    }
  }
  EXPECT_EQ(services, 4);
  EXPECT_GE(methods, 47);
}

TEST(Declarations, AMethodWithoutOneIsRefusedWithWhatToAdd) {
  google::protobuf::DescriptorPool pool;
  google::protobuf::FileDescriptorProto file;
  file.set_name("chitieu/test/v1/test.proto");
  file.set_package("chitieu.test.v1");
  file.set_syntax("proto3");
  auto* msg = file.add_message_type();
  msg->set_name("DoRequest");
  auto* service = file.add_service();
  service->set_name("TestService");
  auto* method = service->add_method();
  method->set_name("Do");
  method->set_input_type(".chitieu.test.v1.DoRequest");
  method->set_output_type(".chitieu.test.v1.DoRequest");
  ASSERT_NE(pool.BuildFile(file), nullptr);
  absl::Status s = CheckDeclarations(pool.FindServiceByName("chitieu.test.v1.TestService"));
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("chitieu.test.v1.TestService.Do declares no authorization"),
            std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("option (chitieu.type.v1.authorization)"), std::string::npos);
  // And the policy refuses a call to it.
  testing::FakeResourceDirectory directory;
  Policy policy(&directory);
  registry::v1::GetUnitRequest r;
  EXPECT_EQ(policy.Authorize(CityAdmin(), "/chitieu.test.v1.TestService/Do", r).code(),
            absl::StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace chitieu

// Domain tests: the registry's rules over a real (in-memory) SQLite store,
// with a fixed "today".

#include "services/registry/registry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "libs/common/errors.h"
#include "services/registry/registry_store_sql.h"
#include "services/registry/tax_code.h"
#include "tests/support/postgres.h"

namespace chitieu::registry {
namespace {

using ::chitieu::type::v1::ENTERPRISE_STATUS_ACTIVE;
using ::chitieu::type::v1::ENTERPRISE_STATUS_DISSOLVED;
using ::chitieu::type::v1::ENTERPRISE_STATUS_SUSPENDED;
using ::chitieu::type::v1::ORGANIZATION_KIND_PARTY;
using ::chitieu::type::v1::ORGANIZATION_KIND_TRADE_UNION;
using ::chitieu::type::v1::ORGANIZATION_KIND_YOUTH_UNION;

std::string FirstViolationField(const absl::Status& s) {
  auto v = GetFieldViolations(s);
  return v.empty() ? "" : v[0].first;
}

// Every domain test runs on both backends: SQLite and PostgreSQL.
class RegistryTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto store =
        SqlRegistryStore::Open(testing::TestStoreLocation(GetParam(), "registry"), &notifier_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    registry_ =
        std::make_unique<Registry>(store_.get(), [] { return absl::CivilDay(2014, 1, 13); });
    AddUnit("01", "Hà Nội", pb::UNIT_LEVEL_PROVINCE, "");
    AddUnit("002", "Hoàn Kiếm", pb::UNIT_LEVEL_DISTRICT, "units/01");
    AddUnit("003", "Tây Hồ", pb::UNIT_LEVEL_DISTRICT, "units/01");
    AddUnit("00037", "Phúc Tân", pb::UNIT_LEVEL_COMMUNE, "units/002");
    pb::CreateBodyRequest body;
    body.set_body_id("hk-block");
    body.mutable_body()->set_display_name("Đảng ủy Khối DN ngoài khu vực nhà nước quận Hoàn Kiếm");
    body.mutable_body()->set_kind(pb::BODY_KIND_BLOCK_PARTY_COMMITTEE);
    body.mutable_body()->set_unit("units/002");
    ASSERT_TRUE(registry_->CreateBody(body).ok());
  }

  void AddUnit(const std::string& code, const std::string& name, pb::UnitLevel level,
               const std::string& parent) {
    pb::CreateUnitRequest r;
    r.mutable_unit()->set_name("units/" + code);
    r.mutable_unit()->set_display_name(name);
    r.mutable_unit()->set_level(level);
    r.mutable_unit()->set_parent(parent);
    r.mutable_unit()->set_open_date("2008-08-01");
    auto u = registry_->CreateUnit(r);
    ASSERT_TRUE(u.ok()) << u.status();
  }

  pb::CreateEnterpriseRequest EnterpriseRequest(int seq, const std::string& unit = "units/002",
                                                const std::string& registered = "2010-05-04") {
    pb::CreateEnterpriseRequest r;
    auto* e = r.mutable_enterprise();
    std::string code;
    for (int s = seq; code.empty(); ++s) {
      code = MakeEnterpriseCode(1, s);
    }
    e->set_enterprise_code(code);
    e->set_display_name("Công ty CP " + std::to_string(seq));
    e->set_legal_form(type::v1::LEGAL_FORM_JOINT_STOCK_COMPANY);
    e->set_sector(type::v1::SECTOR_NON_STATE);
    e->set_seat_unit(unit);
    e->set_registration_date(registered);
    return r;
  }

  pb::Enterprise MustCreate(int seq, const std::string& unit = "units/002") {
    auto e = registry_->CreateEnterprise(EnterpriseRequest(seq, unit));
    EXPECT_TRUE(e.ok()) << e.status();
    return e.ok() ? *e : pb::Enterprise();
  }

  pb::CreateOrganizationRequest OrgRequest(
      const pb::Enterprise& e, type::v1::OrganizationKind kind = ORGANIZATION_KIND_PARTY,
      const std::string& date = "2013-06-01") {
    pb::CreateOrganizationRequest r;
    r.set_parent(e.name());
    r.mutable_organization()->set_kind(kind);
    r.mutable_organization()->set_founding_date(date);
    r.mutable_organization()->set_decision_number("125-QĐ/ĐU");
    r.mutable_organization()->set_founding_body("bodies/hk-block");
    r.mutable_organization()->set_members_at_founding(3);
    return r;
  }

  int64_t FeedLength() { return *store_->LastSequence(); }

  ChangeNotifier notifier_;
  std::unique_ptr<SqlRegistryStore> store_;
  std::unique_ptr<Registry> registry_;
};

TEST_P(RegistryTest, CreatesAndGetsAnEnterpriseActiveFromRegistration) {
  pb::Enterprise e = MustCreate(1);
  EXPECT_EQ(e.name(), "enterprises/" + e.enterprise_code());
  EXPECT_EQ(e.status(), ENTERPRISE_STATUS_ACTIVE);
  ASSERT_EQ(e.status_history_size(), 1);
  EXPECT_EQ(e.status_history(0).effective_date(), "2010-05-04");
  pb::GetEnterpriseRequest get;
  get.set_name(e.name());
  auto got = registry_->GetEnterprise(get);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->display_name(), e.display_name());
  get.set_name("enterprises/0100233488");
  EXPECT_EQ(registry_->GetEnterprise(get).status().code(), absl::StatusCode::kNotFound);
}

TEST_P(RegistryTest, BadInputNamesTheFieldAndWritesNothing) {
  const int64_t before = FeedLength();
  auto r = EnterpriseRequest(1);
  r.mutable_enterprise()->set_enterprise_code("0100233480");
  auto e = registry_->CreateEnterprise(r);
  EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FirstViolationField(e.status()), "enterprise.enterprise_code");

  r = EnterpriseRequest(1);
  r.mutable_enterprise()->set_registration_date("2014-01-14");
  e = registry_->CreateEnterprise(r);
  EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FirstViolationField(e.status()), "enterprise.registration_date");

  r = EnterpriseRequest(1);
  r.mutable_enterprise()->set_legal_form(static_cast<type::v1::LegalForm>(42));
  EXPECT_EQ(FirstViolationField(registry_->CreateEnterprise(r).status()), "enterprise.legal_form");

  r = EnterpriseRequest(1, "units/999");
  e = registry_->CreateEnterprise(r);
  EXPECT_EQ(e.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(FirstViolationField(e.status()), "enterprise.seat_unit");
  EXPECT_EQ(FeedLength(), before);
}

TEST_P(RegistryTest, RequestIdMakesCreateIdempotent) {
  auto r = EnterpriseRequest(1);
  r.set_request_id("7b0d3f8e-retry");
  auto first = registry_->CreateEnterprise(r);
  ASSERT_TRUE(first.ok());
  const int64_t after_first = FeedLength();
  auto again = registry_->CreateEnterprise(r);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->SerializeAsString(), first->SerializeAsString());
  EXPECT_EQ(FeedLength(), after_first);

  r.mutable_enterprise()->set_display_name("Another name");
  auto reused = registry_->CreateEnterprise(r);
  EXPECT_EQ(reused.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(GetReason(reused.status()), "REQUEST_ID_REUSED");

  r.clear_request_id();
  EXPECT_EQ(registry_->CreateEnterprise(r).status().code(), absl::StatusCode::kAlreadyExists);
}

TEST_P(RegistryTest, StaleEtagIsAborted) {
  pb::Enterprise e = MustCreate(1);
  pb::UpdateEnterpriseRequest u;
  *u.mutable_enterprise() = e;
  u.mutable_enterprise()->set_display_name("Công ty CP 901");
  u.mutable_update_mask()->add_paths("display_name");
  auto updated = registry_->UpdateEnterprise(u);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_NE(updated->etag(), e.etag());
  auto stale = registry_->UpdateEnterprise(u);  // Still carries the old etag.
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(GetReason(stale.status()), "ETAG_MISMATCH");
  u.mutable_update_mask()->set_paths(0, "status");
  EXPECT_EQ(registry_->UpdateEnterprise(u).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_P(RegistryTest, StatusHistoryIsEffectiveDated) {
  pb::Enterprise e = MustCreate(1);
  pb::ChangeEnterpriseStatusRequest c;
  c.set_name(e.name());
  c.set_status(ENTERPRISE_STATUS_SUSPENDED);
  c.set_effective_date("2013-03-01");
  c.set_end_date("2013-09-01");
  c.set_source("business-registry");
  auto changed = registry_->ChangeEnterpriseStatus(c);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_EQ(StatusOn(*changed, "2013-02-28"), ENTERPRISE_STATUS_ACTIVE);
  EXPECT_EQ(StatusOn(*changed, "2013-03-01"), ENTERPRISE_STATUS_SUSPENDED);
  EXPECT_EQ(StatusOn(*changed, "2013-09-01"), ENTERPRISE_STATUS_ACTIVE);
  EXPECT_EQ(StatusOn(*changed, "2009-01-01"), type::v1::ENTERPRISE_STATUS_UNSPECIFIED);

  pb::ListEnterprisesRequest list;
  list.set_filter("status = ENTERPRISE_STATUS_SUSPENDED");
  list.set_as_of_date("2013-06-30");
  EXPECT_EQ(registry_->ListEnterprises(list)->enterprises_size(), 1);
  list.set_as_of_date("2013-12-31");
  EXPECT_EQ(registry_->ListEnterprises(list)->enterprises_size(), 0);

  c.set_effective_date("2012-01-01");  // Before the latest change.
  c.clear_end_date();
  EXPECT_EQ(registry_->ChangeEnterpriseStatus(c).status().code(),
            absl::StatusCode::kFailedPrecondition);
  c.set_effective_date("2013-10-01");
  c.set_end_date("2013-09-01");
  EXPECT_EQ(FirstViolationField(registry_->ChangeEnterpriseStatus(c).status()), "end_date");
}

TEST_P(RegistryTest, OneActiveOrganizationOfAKind) {
  pb::Enterprise e = MustCreate(1);
  auto org = registry_->CreateOrganization(OrgRequest(e));
  ASSERT_TRUE(org.ok()) << org.status();
  EXPECT_EQ(org->seat_unit(), "units/002");
  const int64_t before_second = FeedLength();
  auto second = registry_->CreateOrganization(OrgRequest(e));
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(FirstViolationField(second.status()), "organization.kind");
  EXPECT_EQ(GetReason(second.status()), "ORGANIZATION_EXISTS");
  EXPECT_NE(second.status().message().find(org->name()), std::string::npos) << second.status();
  EXPECT_EQ(FeedLength(), before_second);
  // A retry of the first call, by its request id, gets its first answer
  // although the enterprise now has that organization; one refused stores
  // nothing under its id.
  auto with_id = OrgRequest(e, ORGANIZATION_KIND_YOUTH_UNION);
  with_id.set_request_id("youth-union-once");
  auto youth = registry_->CreateOrganization(with_id);
  ASSERT_TRUE(youth.ok()) << youth.status();
  auto youth_again = registry_->CreateOrganization(with_id);
  ASSERT_TRUE(youth_again.ok()) << youth_again.status();
  EXPECT_EQ(youth_again->SerializeAsString(), youth->SerializeAsString());
  auto refused = OrgRequest(e);
  refused.set_request_id("party-refused");
  EXPECT_EQ(GetReason(registry_->CreateOrganization(refused).status()), "ORGANIZATION_EXISTS");
  // Another kind is fine.
  EXPECT_TRUE(registry_->CreateOrganization(OrgRequest(e, ORGANIZATION_KIND_TRADE_UNION)).ok());
  // After dissolution a new one may be founded.
  pb::DissolveOrganizationRequest d;
  d.set_name(org->name());
  d.set_dissolution_date("2013-12-01");
  ASSERT_TRUE(registry_->DissolveOrganization(d).ok());
  EXPECT_EQ(registry_->DissolveOrganization(d).status().code(),
            absl::StatusCode::kFailedPrecondition);
  auto refounded = OrgRequest(e, ORGANIZATION_KIND_PARTY, "2013-12-20");
  refounded.set_request_id("party-refused");  // Stored nothing when refused.
  EXPECT_TRUE(registry_->CreateOrganization(refounded).ok());
}

TEST_P(RegistryTest, FoundingDateRules) {
  pb::Enterprise e = MustCreate(1);
  auto early = registry_->CreateOrganization(OrgRequest(e, ORGANIZATION_KIND_PARTY, "2009-01-01"));
  EXPECT_EQ(early.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(FirstViolationField(early.status()), "organization.founding_date");
  auto future = registry_->CreateOrganization(OrgRequest(e, ORGANIZATION_KIND_PARTY, "2014-01-14"));
  EXPECT_EQ(future.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FirstViolationField(future.status()), "organization.founding_date");
  auto r = OrgRequest(e);
  r.mutable_organization()->set_founding_body("bodies/nobody");
  auto unknown = registry_->CreateOrganization(r);
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(FirstViolationField(unknown.status()), "organization.founding_body");
}

// A founding's and an admission's reads (the enterprise, the body, the
// id) come back together (RegistryTx::ReadForAdding) and are judged in the
// order they always were: the enterprise, its dates and status, the body.
TEST_P(RegistryTest, TheReadsBeforeAnAdditionAreJudgedInOrder) {
  pb::Enterprise e = MustCreate(1);
  pb::Enterprise missing = e;
  missing.set_name("enterprises/" + EnterpriseRequest(2).enterprise().enterprise_code());
  auto r = OrgRequest(missing);
  r.mutable_organization()->set_founding_body("bodies/nobody");
  EXPECT_EQ(registry_->CreateOrganization(r).status().code(), absl::StatusCode::kNotFound);
  r = OrgRequest(e, ORGANIZATION_KIND_PARTY, "2009-01-01");
  r.mutable_organization()->set_founding_body("bodies/nobody");
  EXPECT_EQ(FirstViolationField(registry_->CreateOrganization(r).status()),
            "organization.founding_date");

  pb::CreateAdmissionRequest a;
  a.set_parent(e.name());
  a.mutable_admission()->set_admission_date("2013-05-05");
  a.mutable_admission()->set_count(2);
  a.mutable_admission()->set_decision_number("12-QĐ");
  auto no_body = registry_->CreateAdmission(a);  // An admission may name no body.
  ASSERT_TRUE(no_body.ok()) << no_body.status();
  a.mutable_admission()->set_admitting_body("bodies/nobody");
  auto unknown = registry_->CreateAdmission(a);
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(FirstViolationField(unknown.status()), "admission.admitting_body");
  a.mutable_admission()->set_admitting_body("bodies/hk-block");
  auto second = registry_->CreateAdmission(a);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_NE(second->name(), no_body->name());
}

TEST_P(RegistryTest, NothingFoundedInADissolvedEnterprise) {
  pb::Enterprise e = MustCreate(1);
  pb::ChangeEnterpriseStatusRequest c;
  c.set_name(e.name());
  c.set_status(ENTERPRISE_STATUS_DISSOLVED);
  c.set_effective_date("2012-12-31");
  c.set_source("business-registry");
  ASSERT_TRUE(registry_->ChangeEnterpriseStatus(c).ok());
  auto org = registry_->CreateOrganization(OrgRequest(e));
  EXPECT_EQ(org.status().code(), absl::StatusCode::kFailedPrecondition);
  pb::CreateAdmissionRequest a;
  a.set_parent(e.name());
  a.mutable_admission()->set_admission_date("2013-05-05");
  a.mutable_admission()->set_count(2);
  a.mutable_admission()->set_decision_number("12-QĐ");
  EXPECT_EQ(registry_->CreateAdmission(a).status().code(), absl::StatusCode::kFailedPrecondition);
  c.set_status(ENTERPRISE_STATUS_ACTIVE);
  c.set_effective_date("2013-06-01");
  EXPECT_EQ(registry_->ChangeEnterpriseStatus(c).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_P(RegistryTest, ListsByUnitSubtreeWithPagination) {
  for (int i = 0; i < 5; ++i) {
    MustCreate(10 + i * 3, "units/00037");  // In a ward of 002.
  }
  for (int i = 0; i < 3; ++i) {
    MustCreate(100 + i * 3, "units/002");
  }
  for (int i = 0; i < 2; ++i) {
    MustCreate(200 + i * 3, "units/003");
  }
  pb::ListEnterprisesRequest list;
  list.set_filter("unit = \"units/002\"");
  list.set_page_size(3);
  std::vector<std::string> seen;
  do {
    auto page = registry_->ListEnterprises(list);
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_LE(page->enterprises_size(), 3);
    for (const auto& e : page->enterprises()) {
      seen.push_back(e.enterprise_code());
    }
    list.set_page_token(page->next_page_token());
  } while (!list.page_token().empty());
  EXPECT_EQ(seen.size(), 8u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));

  list.set_filter("unit = \"units/003\"");
  list.set_page_token("");
  auto page = registry_->ListEnterprises(list);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->enterprises_size(), 2);
  EXPECT_TRUE(page->next_page_token().empty());

  // A token is bound to its filter.
  list.set_filter("unit = \"units/002\"");
  auto first = registry_->ListEnterprises(list);
  list.set_page_token(first->next_page_token());
  list.set_filter("unit = \"units/003\"");
  EXPECT_EQ(registry_->ListEnterprises(list).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_P(RegistryTest, ListFiltersOnOrganizationsAndForm) {
  pb::Enterprise with = MustCreate(1);
  MustCreate(4);
  ASSERT_TRUE(registry_->CreateOrganization(OrgRequest(with)).ok());
  pb::ListEnterprisesRequest list;
  list.set_filter("has_party_organization = true");
  auto page = registry_->ListEnterprises(list);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->enterprises_size(), 1);
  EXPECT_EQ(page->enterprises(0).name(), with.name());
  list.set_filter("has_party_organization = false AND legal_form = LEGAL_FORM_JOINT_STOCK_COMPANY");
  EXPECT_EQ(registry_->ListEnterprises(list)->enterprises_size(), 1);
  list.set_filter("has_party_organization = maybe");
  EXPECT_EQ(registry_->ListEnterprises(list).status().code(), absl::StatusCode::kInvalidArgument);
  list.set_filter("colour = red");
  EXPECT_EQ(registry_->ListEnterprises(list).status().code(), absl::StatusCode::kInvalidArgument);
}

// Imports `row` alone as a batch of one.
pb::ImportRowResult ImportSingle(Registry& registry, const pb::Enterprise& row, int64_t number,
                                 const std::string& source) {
  google::protobuf::RepeatedPtrField<pb::Enterprise> rows;
  *rows.Add() = row;
  auto results = registry.ImportRows(rows, number, source);
  EXPECT_TRUE(results.ok()) << results.status();
  registry.FinishImport();
  return results.ok() ? results->at(0) : pb::ImportRowResult();
}

TEST_P(RegistryTest, ImportRowOutcomes) {
  auto ImportOne = [&](const pb::Enterprise& row, int64_t n, const std::string& source) {
    return ImportSingle(*registry_, row, n, source);
  };
  pb::Enterprise row = EnterpriseRequest(1).enterprise();
  EXPECT_EQ(ImportOne(row, 1, "nightly").outcome(), pb::IMPORT_OUTCOME_CREATED);
  EXPECT_EQ(ImportOne(row, 2, "nightly").outcome(), pb::IMPORT_OUTCOME_UNCHANGED);
  row.set_display_name("Renamed");
  EXPECT_EQ(ImportOne(row, 3, "nightly").outcome(), pb::IMPORT_OUTCOME_UPDATED);
  auto* status = row.add_status_history();
  status->set_status(type::v1::ENTERPRISE_STATUS_NOT_AT_REGISTERED_ADDRESS);
  status->set_effective_date("2013-04-04");
  EXPECT_EQ(ImportOne(row, 4, "tax-office").outcome(), pb::IMPORT_OUTCOME_UPDATED);
  EXPECT_EQ(ImportOne(row, 5, "tax-office").outcome(), pb::IMPORT_OUTCOME_UNCHANGED);
  row.set_enterprise_code("0100233480");
  auto bad = ImportOne(row, 6, "nightly");
  EXPECT_EQ(bad.outcome(), pb::IMPORT_OUTCOME_REJECTED);
  EXPECT_EQ(bad.field(), "enterprise_code");
  EXPECT_FALSE(bad.reason().empty());
  row = EnterpriseRequest(7, "units/404").enterprise();
  EXPECT_EQ(ImportOne(row, 7, "nightly").field(), "seat_unit");
}

TEST_P(RegistryTest, ImportBatchRejectsRowsAloneAndCommitsTheRest) {
  const int64_t start = FeedLength();
  google::protobuf::RepeatedPtrField<pb::Enterprise> rows;
  *rows.Add() = EnterpriseRequest(1).enterprise();
  *rows.Add() = EnterpriseRequest(2, "units/404").enterprise();  // No such unit.
  pb::Enterprise renamed = EnterpriseRequest(1).enterprise();
  renamed.set_display_name("Renamed in the same batch");
  *rows.Add() = renamed;  // Sees the first row's write.
  pb::Enterprise moved = EnterpriseRequest(1).enterprise();
  moved.set_registration_date("2001-01-01");
  *rows.Add() = moved;  // Differs from what the batch registered.
  *rows.Add() = EnterpriseRequest(3).enterprise();
  *rows.Add() = EnterpriseRequest(4, "units/404").enterprise();  // The batch's answer kept.
  auto results = registry_->ImportRows(rows, 11, "nightly");
  ASSERT_TRUE(results.ok()) << results.status();
  registry_->FinishImport();  // As the import's answer does, before the feed is read.
  ASSERT_EQ(results->size(), 6u);
  std::vector<pb::ImportOutcome> outcomes;
  for (const auto& r : *results) {
    outcomes.push_back(r.outcome());
  }
  EXPECT_THAT(outcomes,
              ::testing::ElementsAre(pb::IMPORT_OUTCOME_CREATED, pb::IMPORT_OUTCOME_REJECTED,
                                     pb::IMPORT_OUTCOME_UPDATED, pb::IMPORT_OUTCOME_REJECTED,
                                     pb::IMPORT_OUTCOME_CREATED, pb::IMPORT_OUTCOME_REJECTED));
  EXPECT_EQ((*results)[1].row(), 12);
  EXPECT_EQ((*results)[1].field(), "seat_unit");
  EXPECT_THAT((*results)[1].reason(), ::testing::HasSubstr("units/404 does not exist"));
  EXPECT_EQ((*results)[5].field(), "seat_unit");
  EXPECT_EQ((*results)[5].reason(), (*results)[1].reason());
  EXPECT_EQ((*results)[3].field(), "registration_date");
  EXPECT_TRUE((*results)[0].reason().empty());
  // Three changes: two enterprises created, one renamed; nothing of the
  // rejected rows.
  EXPECT_EQ(FeedLength() - start, 3);
  pb::GetEnterpriseRequest get;
  get.set_name("enterprises/" + (*results)[0].enterprise_code());
  auto first = registry_->GetEnterprise(get);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->display_name(), "Renamed in the same batch");
  EXPECT_EQ(first->registration_date(), EnterpriseRequest(1).enterprise().registration_date());
}

// A batch's units in one query, its code list padded to a power of two
// with its last code again: each unit found comes back once, and a code
// that names no unit brings nothing.
TEST_P(RegistryTest, GetUnitsReturnsEachFoundUnitOnce) {
  for (const std::vector<std::string>& codes :
       {std::vector<std::string>{}, {"002"}, {"002", "003", "404"}, {"404", "002", "003"}}) {
    SCOPED_TRACE(codes.size());
    std::vector<std::string> names;
    ASSERT_TRUE(store_
                    ->View([&](RegistryTx& tx) -> absl::Status {
                      auto units = tx.GetUnits(codes);
                      if (!units.ok()) {
                        return units.status();
                      }
                      for (const auto& u : *units) {
                        names.push_back(u.name());
                      }
                      return absl::OkStatus();
                    })
                    .ok());
    std::sort(names.begin(), names.end());
    std::vector<std::string> expected;
    for (const auto& c : codes) {
      if (c != "404") {
        expected.push_back("units/" + c);
      }
    }
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(names, expected);
  }
}

// Finding: an import row for another district's enterprise re-seated it,
// and a wrong registration date in such a row was answered "differs from
// the registered enterprise's". Judged against the stored seat inside the
// import's transaction, an outsider's row is rejected before anything of
// the enterprise is compared, and nothing is written.
TEST_P(RegistryTest, ImportRowsForEnterprisesOutOfScopeAreRejectedAlone) {
  pb::Enterprise tay_ho = MustCreate(1, "units/003");
  pb::Enterprise ours = MustCreate(2, "units/00037");
  const int64_t start = FeedLength();
  const std::set<std::string> scope = {"units/002"};
  google::protobuf::RepeatedPtrField<pb::Enterprise> rows;
  pb::Enterprise moved = EnterpriseRequest(1, "units/002").enterprise();  // Tây Hồ's, re-seated.
  *rows.Add() = moved;
  pb::Enterprise wrong_date = moved;
  wrong_date.set_registration_date("2001-01-01");
  *rows.Add() = wrong_date;
  pb::Enterprise renamed = EnterpriseRequest(2, "units/00037").enterprise();
  renamed.set_display_name("Đổi tên");
  *rows.Add() = renamed;
  auto results = registry_->ImportRows(rows, 1, "nightly", &scope);
  ASSERT_TRUE(results.ok()) << results.status();
  registry_->FinishImport();
  for (int i : {0, 1}) {
    EXPECT_EQ((*results)[i].outcome(), pb::IMPORT_OUTCOME_REJECTED);
    EXPECT_EQ((*results)[i].field(), "enterprise_code");
    EXPECT_EQ((*results)[i].reason(), "is not in your scope");
  }
  EXPECT_EQ((*results)[2].outcome(), pb::IMPORT_OUTCOME_UPDATED);
  EXPECT_EQ(FeedLength() - start, 1);
  pb::GetEnterpriseRequest get;
  get.set_name(tay_ho.name());
  EXPECT_EQ(registry_->GetEnterprise(get)->seat_unit(), "units/003");
  // A scope over the whole city covers both.
  const std::set<std::string> city = {"units/01"};
  results = registry_->ImportRows(rows, 4, "nightly", &city);
  ASSERT_TRUE(results.ok());
  EXPECT_EQ((*results)[0].outcome(), pb::IMPORT_OUTCOME_UPDATED);
  EXPECT_EQ((*results)[1].field(), "registration_date");
}

// Finding: UpdateEnterprise with no name found the enterprise by its code,
// escaping the scope check made on the name. The name is required.
TEST_P(RegistryTest, UpdatesNameTheirEnterprise) {
  pb::Enterprise e = MustCreate(1);
  pb::UpdateEnterpriseRequest u;
  u.mutable_enterprise()->set_enterprise_code(e.enterprise_code());
  u.mutable_enterprise()->set_seat_unit("units/003");
  u.mutable_update_mask()->add_paths("seat_unit");
  auto nameless = registry_->UpdateEnterprise(u);
  EXPECT_EQ(nameless.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GetFieldViolations(nameless.status()).front().first, "enterprise.name");
  u.mutable_enterprise()->set_name(MustCreate(2).name());  // Another enterprise's name.
  EXPECT_EQ(registry_->UpdateEnterprise(u).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_P(RegistryTest, FeedIsGapFreeAndCarriesResources) {
  const int64_t start = FeedLength();
  pb::Enterprise e = MustCreate(1);
  ASSERT_TRUE(registry_->CreateOrganization(OrgRequest(e)).ok());
  auto changes = store_->ReadChanges(start, 100);
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->size(), 2u);
  EXPECT_EQ((*changes)[0].sequence(), start + 1);
  EXPECT_EQ((*changes)[1].sequence(), start + 2);
  EXPECT_TRUE((*changes)[0].has_enterprise());
  EXPECT_TRUE((*changes)[1].has_organization());
  EXPECT_EQ(notifier_.latest(), start + 2);
}

TEST_P(RegistryTest, UnitsTreeAndSuccessors) {
  pb::ListUnitsRequest list;
  list.set_filter("parent = \"units/01\"");
  EXPECT_EQ(registry_->ListUnits(list)->units_size(), 2);
  list.set_filter("ancestor = \"units/01\"");
  EXPECT_EQ(registry_->ListUnits(list)->units_size(), 3);
  // The 2025 reform: Hoàn Kiếm closes, a new ward directly under the city
  // succeeds it.
  AddUnit("00070", "Phường Hoàn Kiếm", pb::UNIT_LEVEL_COMMUNE, "units/01");
  pb::UpdateUnitRequest u;
  u.mutable_unit()->set_name("units/002");
  u.mutable_unit()->set_close_date("2025-07-01");
  u.mutable_unit()->add_successors("units/00070");
  u.mutable_update_mask()->add_paths("close_date");
  u.mutable_update_mask()->add_paths("successors");
  auto closed = registry_->UpdateUnit(u);
  ASSERT_TRUE(closed.ok()) << closed.status();
  list.set_filter("parent = \"units/01\"");
  list.set_open_on("2013-01-01");
  EXPECT_EQ(registry_->ListUnits(list)->units_size(), 3);  // 002, 003 and 00070 (opened 2008 here).
  list.set_open_on("2025-07-01");
  EXPECT_EQ(registry_->ListUnits(list)->units_size(), 2);  // 003, 00070.
  u.mutable_unit()->set_successors(0, "units/99999");
  EXPECT_EQ(registry_->UpdateUnit(u).status().code(), absl::StatusCode::kFailedPrecondition);
}

INSTANTIATE_TEST_SUITE_P(Backends, RegistryTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace chitieu::registry

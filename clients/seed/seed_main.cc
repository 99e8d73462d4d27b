// chitieu-seed: loads the demo data through the services' public APIs
// (never by writing a database). Safe to run again: every create carries a
// request_id derived from what it creates, and an existing resource is
// left as it is.

#include <grpcpp/grpcpp.h>

#include <iostream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "chitieu/quota/v1/quota.grpc.pb.h"
#include "chitieu/registry/v1/registry.grpc.pb.h"
#include "clients/seed/demo_data.h"
#include "clients/seed/seed_approvals.h"
#include "clients/seed/seed_calls.h"
#include "libs/common/channel.h"
#include "libs/common/flags.h"
#include "libs/common/principal.h"
#include "services/registry/tax_code.h"

ABSL_FLAG(bool, scenario, true,
          "Also load Hoàn Kiếm's synthetic enterprises and organizations (the article's figures)");
ABSL_FLAG(int, print_enterprise_code, 0,
          "Print the first issuable Hà Nội enterprise code from this sequence number on, and "
          "exit (for scripts that need a code the seed does not use, as the tests do)");
ABSL_FLAG(bool, approvals, false,
          "Also give Hoàn Kiếm's wards their 2012 and 2013 targets and leave both years' reports "
          "submitted, approved and accepted, ward to city (needs --reporting_addr and the "
          "scenario; reporting must run with --report_acceptance)");

namespace chitieu::seed {
namespace {

namespace pb = ::chitieu::registry::v1;

int SeedQuota(const std::string& quota_addr) {
  namespace q = ::chitieu::quota::v1;
  auto stub = q::QuotaService::NewStub(chitieu::PeerChannel(quota_addr));
  int targets = 0;
  for (int year : {2012, 2013}) {
    q::SetTargetsRequest r;
    r.set_request_id("seed-targets-" + std::to_string(year));
    r.set_assigner("units/01");
    r.set_year(year);
    for (const auto& t : HoanKiemTargets()) {
      if (t.year != year) {
        continue;
      }
      auto* row = r.add_targets();
      row->set_indicator(static_cast<type::v1::Indicator>(t.indicator));
      row->set_assignee("units/002");
      row->set_value(t.value);
    }
    q::SetTargetsResponse out;
    if (!Check(Call([&](auto* c) { return stub->SetTargets(c, r, &out); }), r.request_id())) {
      return 1;
    }
    targets += out.targets_size();
  }
  for (int year : ThresholdYears()) {
    q::GetFoundingThresholdsRequest get;
    get.set_name("foundingThresholds/" + std::to_string(year));
    q::FoundingThresholds current;
    if (!Check(Call([&](auto* c) { return stub->GetFoundingThresholds(c, get, &current); }),
               get.name())) {
      return 1;
    }
    if (!current.etag().empty()) {
      continue;  // Set already: leave it as it is.
    }
    q::UpdateFoundingThresholdsRequest u;
    auto* t = u.mutable_founding_thresholds();
    t->set_name(get.name());
    t->set_party_cell_official_members(3);
    t->set_grassroots_party_committee_members(30);
    t->set_trade_union_members(5);
    t->set_youth_branch_members(3);
    if (!Check(Call([&](auto* c) { return stub->UpdateFoundingThresholds(c, u, &current); }),
               get.name())) {
      return 1;
    }
  }
  std::string resolution;
  int plans = 0;
  for (const auto& p : Plans()) {
    q::CreatePlanRequest r;
    r.set_request_id("seed-plan-" + std::to_string(plans));
    r.set_parent("units/" + p.unit_code);
    auto* plan = r.mutable_plan();
    plan->set_title(p.title);
    plan->set_document_number(p.document_number);
    plan->set_issue_date(p.issue_date);
    plan->set_kind(static_cast<q::PlanKind>(p.kind));
    if (p.implements_resolution) {
      plan->set_implements(resolution);
    }
    q::Plan out;
    if (!Check(Call([&](auto* c) { return stub->CreatePlan(c, r, &out); }), p.document_number)) {
      return 1;
    }
    if (p.kind == q::PLAN_KIND_RESOLUTION) {
      resolution = out.name();
    }
    ++plans;
  }
  std::cout << "seeded quota at " << quota_addr << ": " << targets << " targets for Hoàn Kiếm, "
            << ThresholdYears().size() << " years of founding thresholds, " << plans << " plans\n";
  return 0;
}

// Imports Hoàn Kiếm's synthetic enterprise base and founds its
// organizations, through the registry's API.
int SeedScenario(pb::RegistryService::Stub& stub) {
  const Scenario sc = HoanKiemScenario();
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(10));
    ctx.set_wait_for_ready(true);
    AddServiceSecret(&ctx);
    pb::ImportEnterprisesResponse summary;
    auto writer = stub.ImportEnterprises(&ctx, &summary);
    pb::ImportEnterprisesRequest batch;
    batch.set_source("demo-seed");
    auto flush = [&] {
      bool ok = batch.enterprises_size() == 0 || writer->Write(batch);
      batch.Clear();
      return ok;
    };
    for (size_t i = 3; i < sc.enterprises.size(); ++i) {  // The named three exist already.
      const auto& e = sc.enterprises[i];
      auto* row = batch.add_enterprises();
      row->set_enterprise_code(e.code);
      row->set_display_name(e.name);
      row->set_legal_form(type::v1::LEGAL_FORM_SINGLE_MEMBER_LLC);
      row->set_sector(type::v1::SECTOR_NON_STATE);
      row->set_seat_unit("units/" + e.unit_code);
      row->set_registration_date(e.registration_date);
      if (e.status != 0) {
        auto* p = row->add_status_history();
        p->set_status(static_cast<type::v1::EnterpriseStatus>(e.status));
        p->set_effective_date(e.status_date);
        p->set_source("business-registry");
      }
      if (batch.enterprises_size() == 500 && !flush()) {
        break;
      }
    }
    flush();
    writer->WritesDone();
    grpc::Status s = writer->Finish();
    if (!Check(s, "import") || summary.rejected() != 0) {
      std::cerr << "seed: import rejected " << summary.rejected() << " rows\n";
      return 1;
    }
    std::cout << "imported " << summary.rows() << " enterprises (" << summary.created() << " new, "
              << summary.unchanged() << " unchanged)\n";
  }
  int counts = 0;
  for (const auto& e : sc.enterprises) {
    if (e.official_party == 0 && e.trade_union == 0 && e.youth_union == 0) {
      continue;
    }
    pb::RecordMemberCountsRequest r;
    r.set_request_id("seed-counts-" + e.code);
    r.set_name("enterprises/" + e.code);
    auto* m = r.mutable_member_counts();
    m->set_as_of_date("2013-12-01");
    m->set_official_party_members(e.official_party);
    m->set_trade_union_members(e.trade_union);
    m->set_youth_union_members(e.youth_union);
    m->set_employees(e.employees);
    pb::Enterprise out;
    if (!Check(Call([&](auto* c) { return stub.RecordMemberCounts(c, r, &out); }), r.name())) {
      return 1;
    }
    ++counts;
  }
  int n = 0;
  for (const auto& o : sc.organizations) {
    pb::CreateOrganizationRequest r;
    r.set_request_id("seed-org-" + std::to_string(n++));
    r.set_parent("enterprises/" + o.enterprise_code);
    auto* org = r.mutable_organization();
    org->set_kind(static_cast<type::v1::OrganizationKind>(o.kind));
    org->set_founding_date(o.founding_date);
    org->set_decision_number(std::to_string(100 + n) + "-QĐ/ĐU");
    org->set_founding_body("bodies/" + o.body_id);
    org->set_members_at_founding(o.members);
    pb::Organization out;
    if (!Check(Call([&](auto* c) { return stub.CreateOrganization(c, r, &out); }), r.parent())) {
      return 1;
    }
  }
  n = 0;
  for (const auto& a : sc.admissions) {
    pb::CreateAdmissionRequest r;
    r.set_request_id("seed-admission-" + std::to_string(n++));
    r.set_parent("enterprises/" + a.enterprise_code);
    r.mutable_admission()->set_admission_date(a.date);
    r.mutable_admission()->set_count(a.count);
    r.mutable_admission()->set_decision_number(std::to_string(200 + n) + "-QĐ/ĐU");
    pb::Admission out;
    if (!Check(Call([&](auto* c) { return stub.CreateAdmission(c, r, &out); }), r.parent())) {
      return 1;
    }
  }
  std::cout << "seeded the Hoàn Kiếm scenario: " << sc.organizations.size() << " organizations, "
            << sc.admissions.size() << " admissions, " << counts << " member counts\n";
  return 0;
}

int SeedRegistry(const std::string& registry_addr) {
  auto stub = pb::RegistryService::NewStub(chitieu::PeerChannel(registry_addr));
  int units = 0, bodies = 0, enterprises = 0;
  for (const auto& u : DemoUnits()) {
    pb::CreateUnitRequest r;
    r.set_request_id("seed-unit-" + u.code);
    auto* unit = r.mutable_unit();
    unit->set_name("units/" + u.code);
    unit->set_display_name(u.name);
    unit->set_level(static_cast<pb::UnitLevel>(u.level));
    if (!u.parent_code.empty()) {
      unit->set_parent("units/" + u.parent_code);
    }
    unit->set_open_date(u.open_date);
    unit->set_close_date(u.close_date);
    for (const auto& s : u.successor_codes) {
      unit->add_successors("units/" + s);
    }
    pb::Unit out;
    if (!Check(Call([&](auto* c) { return stub->CreateUnit(c, r, &out); }), unit->name())) {
      return 1;
    }
    ++units;
  }
  for (const auto& b : DemoBodies()) {
    pb::CreateBodyRequest r;
    r.set_request_id("seed-body-" + b.id);
    r.set_body_id(b.id);
    r.mutable_body()->set_display_name(b.name);
    r.mutable_body()->set_kind(static_cast<pb::BodyKind>(b.kind));
    r.mutable_body()->set_unit("units/" + b.unit_code);
    pb::Body out;
    if (!Check(Call([&](auto* c) { return stub->CreateBody(c, r, &out); }), b.id)) {
      return 1;
    }
    ++bodies;
  }
  for (const auto& e : NamedEnterprises()) {
    std::string code;
    for (int s = e.sequence; code.empty(); ++s) {
      code = registry::MakeEnterpriseCode(1, s);
    }
    pb::CreateEnterpriseRequest r;
    r.set_request_id("seed-enterprise-" + code);
    auto* ent = r.mutable_enterprise();
    ent->set_enterprise_code(code);
    ent->set_display_name(e.name);
    ent->set_legal_form(static_cast<type::v1::LegalForm>(e.legal_form));
    ent->set_sector(type::v1::SECTOR_NON_STATE);
    ent->set_seat_unit("units/" + e.unit_code);
    ent->set_registration_date(e.registration_date);
    ent->set_self_requested_founding(true);
    pb::Enterprise out;
    if (!Check(Call([&](auto* c) { return stub->CreateEnterprise(c, r, &out); }), code)) {
      return 1;
    }
    ++enterprises;
  }
  std::cout << "seeded registry at " << registry_addr << ": " << units << " units, " << bodies
            << " supervising bodies, " << enterprises << " named enterprises\n";
  return absl::GetFlag(FLAGS_scenario) ? SeedScenario(*stub) : 0;
}

}  // namespace
}  // namespace chitieu::seed

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("chitieu-seed: loads the demo data through the services' APIs");
  absl::ParseCommandLine(argc, argv);
  if (int from = absl::GetFlag(FLAGS_print_enterprise_code); from > 0) {
    std::string code;
    for (int s = from; code.empty() && s <= 9999999; ++s) {
      code = chitieu::registry::MakeEnterpriseCode(1, s);
    }
    std::cout << code << "\n";
    return code.empty() ? 1 : 0;
  }
  if (int rc = chitieu::seed::SeedRegistry(absl::GetFlag(FLAGS_registry_addr)); rc != 0) {
    return rc;
  }
  if (!absl::GetFlag(FLAGS_quota_addr).empty()) {
    if (int rc = chitieu::seed::SeedQuota(absl::GetFlag(FLAGS_quota_addr)); rc != 0) {
      return rc;
    }
  }
  if (absl::GetFlag(FLAGS_approvals)) {
    return chitieu::seed::SeedApprovals(absl::GetFlag(FLAGS_quota_addr),
                                        absl::GetFlag(FLAGS_reporting_addr));
  }
  return 0;
}

#pragma once

// The demo's reference data (DOMAIN.md, "Reference data for the demo"):
// Hà Nội as of 2013 with its 29 district-level units and Hoàn Kiếm's 18
// wards, the supervising bodies of Hoàn Kiếm, and the three enterprises the
// article names. Ward codes are stable five-digit demo codes from 00037
// upward, not the official list; the tax codes of the named enterprises are
// synthetic (valid check digits), not their real ones.

#include <map>
#include <string>
#include <vector>

namespace chitieu::seed {

struct DemoUnit {
  std::string code;
  std::string name;
  int level;  // chitieu.registry.v1.UnitLevel
  std::string parent_code;
  std::string open_date;
  std::string close_date;  // "" while open.
  std::vector<std::string> successor_codes;
};

struct DemoBody {
  std::string id;
  std::string name;
  int kind;  // chitieu.registry.v1.BodyKind
  std::string unit_code;
};

struct DemoEnterprise {
  int sequence;  // Made into a valid tax code for province 01.
  std::string name;
  int legal_form;  // chitieu.type.v1.LegalForm
  std::string unit_code;
  std::string registration_date;
};

// A city target for Hoàn Kiếm (units/002), assigned by Hà Nội (units/01).
struct DemoTarget {
  int year;
  int indicator;  // chitieu.type.v1.Indicator
  int value;
};

// A document carrying out Resolution 09.
struct DemoPlan {
  std::string unit_code;
  std::string title;
  std::string document_number;
  std::string issue_date;
  int kind;  // chitieu.quota.v1.PlanKind
  bool implements_resolution;
};

// The synthetic enterprise base of Hoàn Kiếm that makes the article's
// figures come out exactly: registered enterprises with their status at the
// end of 2013, the organizations founded in 2012 and 2013, the 2013
// admissions, and member counts that put some enterprises on the candidate
// lists. Deterministic: the same every run.
struct ScenarioEnterprise {
  std::string code;
  std::string name;
  std::string unit_code;
  std::string registration_date;
  int status = 0;  // chitieu.type.v1.EnterpriseStatus; 0: active since registration.
  std::string status_date;
  // Member counts recorded as of 2013-12-01 when any is non-zero.
  int official_party = 0;
  int trade_union = 0;
  int youth_union = 0;
  int employees = 0;
};

struct ScenarioOrganization {
  std::string enterprise_code;
  int kind;  // chitieu.type.v1.OrganizationKind
  std::string founding_date;
  std::string body_id;
  int members;
};

struct ScenarioAdmission {
  std::string enterprise_code;
  std::string date;
  int count;
};

struct Scenario {
  // The three named enterprises come first.
  std::vector<ScenarioEnterprise> enterprises;
  std::vector<ScenarioOrganization> organizations;
  std::vector<ScenarioAdmission> admissions;
};

// The article's figures, which the scenario reproduces.
inline constexpr int kRegistered2013 = 7312;
inline constexpr int kSuspended2013 = 1207;
inline constexpr int kNotAtAddress2013 = 1516;
inline constexpr int kDissolved2013 = 186;

Scenario HoanKiemScenario();

// The wards' Party organization targets, sub-allocated from Hoàn Kiếm's:
// each ward, for 2012 and 2013, the organizations founded through its ward
// Party committee that year (the wards met them exactly). Ward code → year
// → target.
std::map<std::string, std::map<int, int>> WardTargets();

// Units in creation order: a parent before its children, a successor
// before the unit that names it.
std::vector<DemoUnit> DemoUnits();
std::vector<DemoBody> DemoBodies();
std::vector<DemoEnterprise> NamedEnterprises();

// The city's targets for Hoàn Kiếm. 2013 is the article's (Party
// organizations 6, trade unions 23, youth organizations 5; no stated target
// for new Party members). The article states no 2012 targets, only that
// trade unions met theirs while 3 Party and 2 youth organizations fell
// short: the demo's 2012 targets (5, 20, 4) are chosen to give exactly
// those outcomes with the 2012 results the reporting seed records.
std::vector<DemoTarget> HoanKiemTargets();

// The resolution (first) and the district's 7 documents; the district's
// implementation plan is dated 18 days after the resolution. The
// resolution's date is the demo's assumption, not checked against the
// original document.
std::vector<DemoPlan> Plans();

// The years the demo sets founding thresholds (3 / 30 / 5 / 3) for.
std::vector<int> ThresholdYears();

}  // namespace chitieu::seed

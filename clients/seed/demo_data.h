#pragma once

// The demo's reference data (DOMAIN.md, "Reference data for the demo"):
// Hà Nội as of 2013 with its 29 district-level units and Hoàn Kiếm's 18
// wards, the supervising bodies of Hoàn Kiếm, and the three enterprises the
// article names. Ward codes are stable five-digit demo codes from 00037
// upward, not the official list; the tax codes of the named enterprises are
// synthetic (valid check digits), not their real ones.

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

// Units in creation order: a parent before its children, a successor
// before the unit that names it.
std::vector<DemoUnit> DemoUnits();
std::vector<DemoBody> DemoBodies();
std::vector<DemoEnterprise> NamedEnterprises();

}  // namespace chitieu::seed

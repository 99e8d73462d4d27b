#include "clients/seed/demo_data.h"

#include <cstdio>

#include "chitieu/quota/v1/quota.pb.h"
#include "chitieu/registry/v1/registry.pb.h"
#include "services/registry/tax_code.h"

namespace chitieu::seed {
namespace {

namespace pb = ::chitieu::registry::v1;

// Hà Nội's province-level unit dates from the 2008 expansion (1 August 2008).
constexpr char kOpen[] = "2008-08-01";
// The two-tier reform: district level abolished on 1 July 2025.
constexpr char kReform[] = "2025-07-01";

const char* const kHoanKiemWards[] = {
    "Phúc Tân", "Đồng Xuân",  "Hàng Mã",    "Hàng Buồm",     "Hàng Đào",        "Hàng Bồ",
    "Cửa Đông", "Lý Thái Tổ", "Hàng Bạc",   "Hàng Gai",      "Chương Dương Độ", "Hàng Trống",
    "Cửa Nam",  "Hàng Bông",  "Tràng Tiền", "Trần Hưng Đạo", "Phan Chu Trinh",  "Hàng Bài"};

std::string WardCode(int i) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "%05d", 37 + 3 * i);
  return buf;
}

}  // namespace

std::vector<DemoUnit> DemoUnits() {
  std::vector<DemoUnit> units;
  units.push_back({"01", "Thành phố Hà Nội", pb::UNIT_LEVEL_PROVINCE, "", kOpen, "", {}});
  // After the reform Hoàn Kiếm's area belongs to new wards directly under
  // the city; two of them stand in for all here.
  units.push_back({"00100", "Phường Hoàn Kiếm", pb::UNIT_LEVEL_COMMUNE, "01", kReform, "", {}});
  units.push_back({"00103", "Phường Cửa Nam", pb::UNIT_LEVEL_COMMUNE, "01", kReform, "", {}});
  struct District {
    const char* code;
    const char* name;
  };
  const District districts[] = {
      {"001", "Quận Ba Đình"},      {"002", "Quận Hoàn Kiếm"},   {"003", "Quận Tây Hồ"},
      {"004", "Quận Long Biên"},    {"005", "Quận Cầu Giấy"},    {"006", "Quận Đống Đa"},
      {"007", "Quận Hai Bà Trưng"}, {"008", "Quận Hoàng Mai"},   {"009", "Quận Thanh Xuân"},
      {"268", "Quận Hà Đông"},      {"269", "Thị xã Sơn Tây"},   {"016", "Huyện Sóc Sơn"},
      {"017", "Huyện Đông Anh"},    {"018", "Huyện Gia Lâm"},    {"019", "Huyện Từ Liêm"},
      {"020", "Huyện Thanh Trì"},   {"250", "Huyện Mê Linh"},    {"271", "Huyện Ba Vì"},
      {"272", "Huyện Phúc Thọ"},    {"273", "Huyện Đan Phượng"}, {"274", "Huyện Hoài Đức"},
      {"275", "Huyện Quốc Oai"},    {"276", "Huyện Thạch Thất"}, {"277", "Huyện Chương Mỹ"},
      {"278", "Huyện Thanh Oai"},   {"279", "Huyện Thường Tín"}, {"280", "Huyện Phú Xuyên"},
      {"281", "Huyện Ứng Hòa"},     {"282", "Huyện Mỹ Đức"},
  };
  for (const auto& d : districts) {
    DemoUnit unit{d.code, d.name, pb::UNIT_LEVEL_DISTRICT, "01", kOpen, "", {}};
    if (std::string(d.code) == "002") {
      unit.close_date = kReform;
      unit.successor_codes = {"00100", "00103"};
    }
    if (std::string(d.code) == "019") {
      // Split into Bắc and Nam Từ Liêm on 1 April 2014 (not modelled further
      // in the demo).
      unit.close_date = "2014-04-01";
    }
    units.push_back(unit);
  }
  for (int i = 0; i < 18; ++i) {
    units.push_back({WardCode(i),
                     std::string("Phường ") + kHoanKiemWards[i],
                     pb::UNIT_LEVEL_COMMUNE,
                     "002",
                     kOpen,
                     kReform,
                     {i < 9 ? "00100" : "00103"}});
  }
  return units;
}

std::vector<DemoBody> DemoBodies() {
  std::vector<DemoBody> bodies = {
      {"hk-block-party", "Đảng ủy Khối doanh nghiệp ngoài khu vực nhà nước quận Hoàn Kiếm",
       pb::BODY_KIND_BLOCK_PARTY_COMMITTEE, "002"},
      {"hk-labour-federation", "Liên đoàn Lao động quận Hoàn Kiếm", pb::BODY_KIND_LABOUR_FEDERATION,
       "002"},
      {"hk-youth-union", "Quận đoàn Hoàn Kiếm", pb::BODY_KIND_YOUTH_UNION, "002"},
  };
  for (int i = 0; i < 18; ++i) {
    bodies.push_back({"hk-ward-party-" + WardCode(i),
                      std::string("Đảng ủy phường ") + kHoanKiemWards[i],
                      pb::BODY_KIND_WARD_PARTY_COMMITTEE, WardCode(i)});
  }
  return bodies;
}

std::vector<DemoEnterprise> NamedEnterprises() {
  return {
      {901001, "Công ty CP Bệnh viện Đông Đô", ::chitieu::type::v1::LEGAL_FORM_JOINT_STOCK_COMPANY,
       "00037", "2006-04-12"},
      {901002, "Công ty CP 901", ::chitieu::type::v1::LEGAL_FORM_JOINT_STOCK_COMPANY, "00073",
       "2005-09-20"},
      {901004, "Công ty CP Thương mại và sản xuất bao bì Long Biên",
       ::chitieu::type::v1::LEGAL_FORM_JOINT_STOCK_COMPANY, "00085", "2007-11-05"},
  };
}

std::vector<DemoTarget> HoanKiemTargets() {
  using namespace ::chitieu::type::v1;  // NOLINT: enum values only.
  return {
      {2012, INDICATOR_NEW_PARTY_ORGANIZATIONS, 5}, {2012, INDICATOR_NEW_TRADE_UNIONS, 20},
      {2012, INDICATOR_NEW_YOUTH_UNIONS, 4},        {2013, INDICATOR_NEW_PARTY_ORGANIZATIONS, 6},
      {2013, INDICATOR_NEW_TRADE_UNIONS, 23},       {2013, INDICATOR_NEW_YOUTH_UNIONS, 5},
  };
}

std::vector<DemoPlan> Plans() {
  namespace q = ::chitieu::quota::v1;
  return {
      {"01",
       "Nghị quyết về tăng cường xây dựng tổ chức đảng, đoàn thể trong doanh nghiệp ngoài khu vực "
       "nhà nước",
       "09-NQ/TU", "2012-01-09", q::PLAN_KIND_RESOLUTION, false},
      {"002", "Kế hoạch thực hiện Nghị quyết 09-NQ/TU của Thành ủy", "KH-01/QU", "2012-01-27",
       q::PLAN_KIND_IMPLEMENTATION_PLAN, true},
      {"002", "Quy chế phối hợp vận động thành lập tổ chức đảng, đoàn thể trong DN", "QC-02/QU",
       "2012-03-15", q::PLAN_KIND_REGULATION, true},
      {"002", "Hướng dẫn tạo nguồn kết nạp đảng viên trong DN ngoài khu vực nhà nước", "HD-03/QU",
       "2012-05-10", q::PLAN_KIND_GUIDELINE, true},
      {"002", "Đề án thành lập Đảng bộ Khối DN ngoài khu vực nhà nước quận", "ĐA-04/QU",
       "2012-10-02", q::PLAN_KIND_IMPLEMENTATION_PLAN, true},
      {"002", "Kế hoạch thực hiện Nghị quyết 09 năm 2013", "KH-05/QU", "2013-01-15",
       q::PLAN_KIND_IMPLEMENTATION_PLAN, true},
      {"002", "Hướng dẫn thành lập công đoàn cơ sở trong DN", "HD-06/QU", "2013-02-20",
       q::PLAN_KIND_GUIDELINE, true},
      {"002", "Hướng dẫn thành lập tổ chức đoàn thanh niên trong DN", "HD-07/QU", "2013-03-05",
       q::PLAN_KIND_GUIDELINE, true},
  };
}

std::vector<int> ThresholdYears() { return {2012, 2013}; }

namespace {

// The sequence-th issuable tax code from `from` on, for province 01.
std::string NextCode(int* sequence) {
  std::string code;
  while (code.empty()) {
    code = registry::MakeEnterpriseCode(1, (*sequence)++);
  }
  return code;
}

std::string Date(int year, int month, int day) {
  char buf[11];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02d", year, month, day);
  return buf;
}

}  // namespace

Scenario HoanKiemScenario() {
  using namespace ::chitieu::type::v1;  // NOLINT: enum values only.
  Scenario sc;
  int sequence = 901001;
  for (const auto& named : NamedEnterprises()) {
    ScenarioEnterprise e;
    for (int s = named.sequence; e.code.empty(); ++s) {
      e.code = registry::MakeEnterpriseCode(1, s);
    }
    e.name = named.name;
    e.unit_code = named.unit_code;
    e.registration_date = named.registration_date;
    sc.enterprises.push_back(e);
  }
  sequence = 100000;
  const int synthetic = kRegistered2013 - static_cast<int>(sc.enterprises.size());
  // Statuses by position among the synthetic ones: the first are active
  // (the founders come from them), then suspended, not at their address and
  // dissolved, each effective in 2013.
  const int active = synthetic - kSuspended2013 - kNotAtAddress2013 - kDissolved2013;
  for (int i = 0; i < synthetic; ++i) {
    ScenarioEnterprise e;
    e.code = NextCode(&sequence);
    e.name = "Công ty TNHH Hoàn Kiếm " + std::to_string(i + 1);
    e.unit_code = WardCode(i % 18);
    e.registration_date = Date(2000 + i % 12, 1 + i % 12, 1 + i % 28);
    e.employees = 5 + i % 40;
    if (i >= active) {
      const int k = i - active;
      e.status = k < kSuspended2013 ? ENTERPRISE_STATUS_SUSPENDED
                 : k < kSuspended2013 + kNotAtAddress2013
                     ? ENTERPRISE_STATUS_NOT_AT_REGISTERED_ADDRESS
                     : ENTERPRISE_STATUS_DISSOLVED;
      e.status_date = Date(2013, 1 + k % 11, 1 + k % 28);
    }
    sc.enterprises.push_back(e);
  }
  // Founders: distinct active synthetic enterprises for each kind and year,
  // after the named three (index 0..2), which found in 2013 themselves.
  auto enterprise = [&](int synthetic_index) -> ScenarioEnterprise& {
    return sc.enterprises[3 + synthetic_index];
  };
  int next = 0;
  auto found = [&](int kind, int year, int n, const std::string& body, int members) {
    for (int j = 0; j < n; ++j) {
      ScenarioEnterprise& e = enterprise(next++);
      const std::string date = Date(year, 2 + j % 10, 1 + (j * 3) % 27);
      sc.organizations.push_back({e.code, kind, date, body, members});
      if (kind == ORGANIZATION_KIND_PARTY) {
        e.official_party = members;
      }
      if (kind == ORGANIZATION_KIND_TRADE_UNION) {
        e.trade_union = members;
      }
      if (kind == ORGANIZATION_KIND_YOUTH_UNION) {
        e.youth_union = members;
      }
    }
  };
  // 2012: 3 Party organizations (ward Party committees), 20 trade unions
  // (the labour federation), 2 youth organizations.
  for (int j = 0; j < 3; ++j) {
    ScenarioEnterprise& e = enterprise(next++);
    sc.organizations.push_back({e.code, ORGANIZATION_KIND_PARTY, Date(2012, 4 + 2 * j, 10),
                                "hk-ward-party-" + e.unit_code, 3});
    e.official_party = 3;
  }
  found(ORGANIZATION_KIND_TRADE_UNION, 2012, 20, "hk-labour-federation", 12);
  found(ORGANIZATION_KIND_YOUTH_UNION, 2012, 2, "hk-youth-union", 6);
  // 2013: 7 Party organizations, 4 of them through the block Party
  // committee (one in Bệnh viện Đông Đô), 3 through ward committees.
  sc.organizations.push_back(
      {sc.enterprises[0].code, ORGANIZATION_KIND_PARTY, "2013-05-19", "hk-block-party", 5});
  sc.enterprises[0].official_party = 5;
  found(ORGANIZATION_KIND_PARTY, 2013, 3, "hk-block-party", 3);
  for (int j = 0; j < 3; ++j) {
    ScenarioEnterprise& e = enterprise(next++);
    sc.organizations.push_back({e.code, ORGANIZATION_KIND_PARTY, Date(2013, 6 + j, 15),
                                "hk-ward-party-" + e.unit_code, 4});
    e.official_party = 4;
  }
  // 24 trade unions (one in Công ty CP 901) and 12 youth organizations (one
  // in Long Biên packaging).
  sc.organizations.push_back({sc.enterprises[1].code, ORGANIZATION_KIND_TRADE_UNION, "2013-03-26",
                              "hk-labour-federation", 25});
  sc.enterprises[1].trade_union = 25;
  found(ORGANIZATION_KIND_TRADE_UNION, 2013, 23, "hk-labour-federation", 10);
  sc.organizations.push_back(
      {sc.enterprises[2].code, ORGANIZATION_KIND_YOUTH_UNION, "2013-03-26", "hk-youth-union", 8});
  sc.enterprises[2].youth_union = 8;
  found(ORGANIZATION_KIND_YOUTH_UNION, 2013, 11, "hk-youth-union", 5);
  // 39 Party members admitted in 2013: 13 decisions of 3, in enterprises
  // whose Party organizations were founded.
  for (int j = 0; j < 13; ++j) {
    const auto& org = sc.organizations[j % 3];  // The 2012 Party organizations' enterprises.
    sc.admissions.push_back({org.enterprise_code, Date(2013, 1 + j % 12, 5 + j), 3});
  }
  // Candidates: active enterprises with members enough to found, and no
  // organization of that kind yet.
  for (int j = 0; j < 25; ++j) {
    enterprise(next++).official_party = 3 + j % 4;
  }
  for (int j = 0; j < 30; ++j) {
    enterprise(next++).trade_union = 5 + j % 10;
  }
  for (int j = 0; j < 15; ++j) {
    enterprise(next++).youth_union = 3 + j % 5;
  }
  // A few with too few official Party members: fostering cases.
  for (int j = 0; j < 10; ++j) {
    enterprise(next++).official_party = j % 3;
  }
  return sc;
}

std::map<std::string, std::map<int, int>> WardTargets() {
  constexpr char kWardParty[] = "hk-ward-party-";
  std::map<std::string, std::map<int, int>> out;
  for (const auto& o : HoanKiemScenario().organizations) {
    if (o.kind != ::chitieu::type::v1::ORGANIZATION_KIND_PARTY ||
        o.body_id.rfind(kWardParty, 0) != 0) {
      continue;
    }
    const int year = std::stoi(o.founding_date.substr(0, 4));
    ++out[o.body_id.substr(sizeof(kWardParty) - 1)][year];
  }
  return out;
}

}  // namespace chitieu::seed

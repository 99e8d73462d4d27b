// chitieu-seed's approvals (seed_approvals.h).

#include "clients/seed/seed_approvals.h"

#include <map>
#include <thread>

#include "chitieu/quota/v1/quota.grpc.pb.h"
#include "chitieu/reporting/v1/reporting.grpc.pb.h"
#include "clients/seed/demo_data.h"
#include "clients/seed/seed_calls.h"
#include "libs/common/channel.h"

namespace chitieu::seed {
namespace {

namespace q = ::chitieu::quota::v1;
namespace r = ::chitieu::reporting::v1;

const Officer kDistrictOfficer{"seed:hk-officer", "units/002", Role::kDistrictOfficer};
const Officer kCityOfficer{"seed:city-admin", "units/01", Role::kCityAdmin};

int SetWardTargets(q::QuotaService::Stub& quota,
                   const std::map<std::string, std::map<int, int>>& ward_targets, int year) {
  q::SetTargetsRequest set;
  set.set_request_id("seed-ward-targets-" + std::to_string(year));
  set.set_assigner("units/002");
  set.set_year(year);
  for (const auto& [ward, by_year] : ward_targets) {
    if (auto it = by_year.find(year); it != by_year.end()) {
      auto* row = set.add_targets();
      row->set_indicator(type::v1::INDICATOR_NEW_PARTY_ORGANIZATIONS);
      row->set_assignee("units/" + ward);
      row->set_value(it->second);
    }
  }
  q::SetTargetsResponse out;
  return Check(Call([&](auto* c) { return quota.SetTargets(c, set, &out); }), set.request_id()) ? 0
                                                                                                : 1;
}

// The scenario's achieved figure per indicator in `year`.
std::map<int, int> ScenarioAchieved(int year) {
  std::map<int, int> achieved;
  const Scenario sc = HoanKiemScenario();
  for (const auto& o : sc.organizations) {
    if (std::stoi(o.founding_date.substr(0, 4)) == year) {
      ++achieved[o.kind == type::v1::ORGANIZATION_KIND_PARTY
                     ? type::v1::INDICATOR_NEW_PARTY_ORGANIZATIONS
                 : o.kind == type::v1::ORGANIZATION_KIND_TRADE_UNION
                     ? type::v1::INDICATOR_NEW_TRADE_UNIONS
                     : type::v1::INDICATOR_NEW_YOUTH_UNIONS];
    }
  }
  for (const auto& a : sc.admissions) {
    if (std::stoi(a.date.substr(0, 4)) == year) {
      achieved[type::v1::INDICATOR_NEW_PARTY_MEMBERS] += a.count;
    }
  }
  return achieved;
}

// Reporting follows the feeds: the figures frozen must be the whole
// scenario's, so wait (up to 30 s) until reporting shows every organization
// and admission of the year and expects its `wards` wards.
bool WaitForFigures(r::ReportingService::Stub& reporting, int year, size_t wards) {
  const std::map<int, int> achieved = ScenarioAchieved(year);
  for (int attempt = 0; attempt < 300; ++attempt) {
    r::GetReportingCompletenessRequest req;
    req.set_unit("units/002");
    req.set_year(year);
    r::ReportingCompleteness view;
    r::GetProgressRequest progress_req;
    progress_req.set_unit("units/002");
    progress_req.set_year(year);
    r::Progress progress;
    bool shown =
        Call([&](auto* c) { return reporting.GetReportingCompleteness(c, req, &view); }).ok() &&
        static_cast<size_t>(view.units_size()) == wards + 1 &&
        Call([&](auto* c) { return reporting.GetProgress(c, progress_req, &progress); }).ok();
    for (const auto& p : progress.indicators()) {
      auto it = achieved.find(p.indicator());
      shown = shown && p.achieved() == (it == achieved.end() ? 0 : it->second);
    }
    if (shown) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::cerr << "seed: reporting did not show " << year << "'s figures within 30 s\n";
  return false;
}

r::ReportState StateOf(r::ReportingService::Stub& reporting, const std::string& name) {
  r::GetReportRequest get;
  get.set_name(name);
  r::Report report;
  Call([&](auto* c) { return reporting.GetReport(c, get, &report); });
  return report.state();
}

// Moves report `name` with `method` (a Stub member taking a Request) as
// `officer` if it stands in `from`; true unless the move failed.
template <typename Request, typename Method>
bool Step(r::ReportingService::Stub& reporting, const std::string& name, r::ReportState from,
          const Officer& officer, Method method) {
  if (StateOf(reporting, name) != from) {
    return true;
  }
  Request req;
  req.set_name(name);
  r::Report out;
  return Check(CallAs(officer, [&](auto* c) { return (reporting.*method)(c, req, &out); }), name);
}

// Every submitted (or approved) ward of Hoàn Kiếm moved at once by `method`.
template <typename Request, typename Method>
bool Batch(r::ReportingService::Stub& reporting, int year, const Officer& officer, Method method) {
  Request req;
  req.set_parent("units/002");
  req.set_year(year);
  r::BatchReportTransitionResponse results;
  return Check(CallAs(officer, [&](auto* c) { return (reporting.*method)(c, req, &results); }),
               "the wards' reports of " + std::to_string(year));
}

}  // namespace

int SeedApprovals(const std::string& quota_addr, const std::string& reporting_addr) {
  using Stub = r::ReportingService::Stub;
  auto quota = q::QuotaService::NewStub(chitieu::PeerChannel(quota_addr));
  auto reporting = r::ReportingService::NewStub(chitieu::PeerChannel(reporting_addr));
  const auto ward_targets = WardTargets();
  for (int year : {2012, 2013}) {
    if (SetWardTargets(*quota, ward_targets, year) != 0) {
      return 1;
    }
  }
  for (int year : {2012, 2013}) {
    const std::string y = std::to_string(year);
    size_t wards = 0;
    for (const auto& [ward, by_year] : ward_targets) {
      wards += by_year.count(year);
    }
    if (!WaitForFigures(*reporting, year, wards)) {
      return 1;
    }
    for (const auto& [ward, by_year] : ward_targets) {
      if (by_year.count(year) &&
          !Step<r::SubmitReportRequest>(
              *reporting, "units/" + ward + "/reports/" + y, r::REPORT_STATE_OPEN,
              {"seed:ward-" + ward, "units/" + ward, Role::kDistrictOfficer},
              &Stub::SubmitReport)) {
        return 1;
      }
    }
    const std::string district = "units/002/reports/" + y;
    if (!Batch<r::BatchApproveReportsRequest>(*reporting, year, kDistrictOfficer,
                                              &Stub::BatchApproveReports) ||
        !Step<r::SubmitReportRequest>(*reporting, district, r::REPORT_STATE_OPEN, kDistrictOfficer,
                                      &Stub::SubmitReport) ||
        !Step<r::ApproveReportRequest>(*reporting, district, r::REPORT_STATE_SUBMITTED,
                                       kCityOfficer, &Stub::ApproveReport) ||
        !Batch<r::BatchAcceptReportsRequest>(*reporting, year, kCityOfficer,
                                             &Stub::BatchAcceptReports) ||
        !Step<r::AcceptReportRequest>(*reporting, district, r::REPORT_STATE_APPROVED, kCityOfficer,
                                      &Stub::AcceptReport)) {
      return 1;
    }
    if (StateOf(*reporting, district) != r::REPORT_STATE_ACCEPTED) {
      std::cerr << "seed: " << district << " is not accepted\n";
      return 1;
    }
  }
  std::cout << "seeded approvals: Hoàn Kiếm and its wards, 2012 and 2013, accepted by the city\n";
  return 0;
}

}  // namespace chitieu::seed

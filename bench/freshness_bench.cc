// chitieu-bench-freshness: how long after the registry acknowledges a new
// organization does GetProgress show it? Founds `--n` Party organizations
// one after another in fresh enterprises of a unit and, after each
// acknowledgement, polls the reporting service until the achieved figure
// moves. Prints one JSON object with the latency distribution.

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "chitieu/registry/v1/registry.grpc.pb.h"
#include "chitieu/reporting/v1/reporting.grpc.pb.h"
#include "libs/common/dates.h"
#include "libs/common/flags.h"
#include "libs/common/principal.h"
#include "services/registry/tax_code.h"

ABSL_FLAG(int, n, 200, "Organizations to found");
ABSL_FLAG(std::string, unit, "units/00040", "Seat unit of the new enterprises (a demo ward)");
ABSL_FLAG(std::string, body, "bodies/hk-block-party", "Founding body");
ABSL_FLAG(int, first_sequence, 3000000, "First tax-code sequence to use (must be unused)");

namespace reg = ::chitieu::registry::v1;
namespace rep = ::chitieu::reporting::v1;

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  auto registry = reg::RegistryService::NewStub(
      grpc::CreateChannel(absl::GetFlag(FLAGS_registry_addr), grpc::InsecureChannelCredentials()));
  auto reporting = rep::ReportingService::NewStub(
      grpc::CreateChannel(absl::GetFlag(FLAGS_reporting_addr), grpc::InsecureChannelCredentials()));
  const int year = chitieu::TodayInVietnam().year();
  const std::string today = chitieu::FormatDate(chitieu::TodayInVietnam());
  auto achieved = [&]() -> int {
    rep::GetProgressRequest r;
    r.set_unit(absl::GetFlag(FLAGS_unit));
    r.set_year(year);
    rep::Progress p;
    grpc::ClientContext ctx;
    chitieu::AddServiceSecret(&ctx);
    if (!reporting->GetProgress(&ctx, r, &p).ok()) return -1;
    return p.indicators(0).achieved();
  };
  int expected = achieved();
  if (expected < 0) {
    std::cerr << "reporting does not answer for " << absl::GetFlag(FLAGS_unit) << "\n";
    return 1;
  }
  std::vector<double> ms;
  int sequence = absl::GetFlag(FLAGS_first_sequence);
  for (int i = 0; i < absl::GetFlag(FLAGS_n); ++i) {
    std::string code;
    while (code.empty()) code = chitieu::registry::MakeEnterpriseCode(1, sequence++);
    reg::CreateEnterpriseRequest e;
    auto* ent = e.mutable_enterprise();
    ent->set_enterprise_code(code);
    ent->set_display_name("Benchmark " + code);
    ent->set_legal_form(chitieu::type::v1::LEGAL_FORM_SINGLE_MEMBER_LLC);
    ent->set_sector(chitieu::type::v1::SECTOR_NON_STATE);
    ent->set_seat_unit(absl::GetFlag(FLAGS_unit));
    ent->set_registration_date("2020-01-01");
    reg::Enterprise out;
    grpc::ClientContext c1;
    chitieu::AddServiceSecret(&c1);
    if (grpc::Status s = registry->CreateEnterprise(&c1, e, &out); !s.ok()) {
      std::cerr << "CreateEnterprise: " << s.error_message() << "\n";
      return 1;
    }
    reg::CreateOrganizationRequest o;
    o.set_parent("enterprises/" + code);
    o.mutable_organization()->set_kind(chitieu::type::v1::ORGANIZATION_KIND_PARTY);
    o.mutable_organization()->set_founding_date(today);
    o.mutable_organization()->set_decision_number("bench");
    o.mutable_organization()->set_founding_body(absl::GetFlag(FLAGS_body));
    reg::Organization org;
    grpc::ClientContext c2;
    chitieu::AddServiceSecret(&c2);
    if (grpc::Status s = registry->CreateOrganization(&c2, o, &org); !s.ok()) {
      std::cerr << "CreateOrganization: " << s.error_message() << "\n";
      return 1;
    }
    const absl::Time acked = absl::Now();
    ++expected;
    while (achieved() < expected) {
      if (absl::Now() - acked > absl::Seconds(10)) {
        std::cerr << "not visible after 10 s\n";
        return 1;
      }
    }
    ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - acked));
  }
  std::sort(ms.begin(), ms.end());
  auto pct = [&](double p) {
    return ms[std::min(ms.size() - 1, static_cast<size_t>(p * ms.size()))];
  };
  std::cout << absl::StrFormat(
      "{\"benchmark\":\"change_to_report_freshness\",\"n\":%d,\"p50_ms\":%.3f,\"p90_ms\":%.3f,"
      "\"p99_ms\":%.3f,\"max_ms\":%.3f}\n",
      ms.size(), pct(0.50), pct(0.90), pct(0.99), ms.back());
  return 0;
}

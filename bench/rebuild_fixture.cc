// The rebuild benchmark at scale: the registry fixture and the timed
// --rebuild (rebuild_fixture.h).

#include "bench/rebuild_fixture.h"

#include <chrono>
#include <filesystem>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/load.h"
#include "chitieu/reporting/v1/reporting.grpc.pb.h"
#include "libs/common/feed.h"
#include "libs/common/mutation.h"
#include "libs/common/principal.h"
#include "libs/common/status_macros.h"
#include "services/registry/registry_store_sql.h"
#include "services/registry/tax_code.h"
#include "tests/support/metrics_scrape.h"
#include "tests/support/progress.h"
#include "tests/support/service_process.h"
#include "tests/support/stack.h"
#include "tests/support/wait.h"

namespace chitieu::bench {
namespace {

namespace pb = ::chitieu::registry::v1;
using Clock = std::chrono::steady_clock;
using ::chitieu::testing::ServiceProcess;
using ::chitieu::testing::Stack;

constexpr int kPerTransaction = 10000;  // Enterprises.
constexpr int kWards = 18;

double SecondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

pb::Unit MakeUnit(const std::string& code, const std::string& parent, const std::string& name,
                  pb::UnitLevel level) {
  pb::Unit u;
  u.set_level(level);
  u.set_name("units/" + code);
  if (!parent.empty()) {
    u.set_parent("units/" + parent);
  }
  u.set_display_name(name);
  u.set_open_date("2008-08-01");
  StampCreated(u);
  return u;
}

// The units of the fixture, as CreateUnit writes them.
absl::Status WriteUnits(registry::RegistryTx& tx) {
  std::vector<pb::Unit> units = {MakeUnit("01", "", "Hà Nội", pb::UNIT_LEVEL_PROVINCE),
                                 MakeUnit("002", "01", "Quận Hoàn Kiếm", pb::UNIT_LEVEL_DISTRICT)};
  for (int w = 0; w < kWards; ++w) {
    units.push_back(MakeUnit(absl::StrFormat("%05d", 37 + w), "002", absl::StrCat("Phường ", w),
                             pb::UNIT_LEVEL_COMMUNE));
  }
  for (const auto& u : units) {
    RETURN_IF_ERROR(tx.PutUnit(u.name().substr(6), u));
    RETURN_IF_ERROR(
        EmitChange(tx, type::v1::CHANGE_TYPE_CREATED, &pb::StreamChangesResponse::mutable_unit, u));
  }
  return absl::OkStatus();
}

// One enterprise and its trade union and youth union, as CreateEnterprise
// and CreateOrganization write them.
absl::Status WriteEnterprise(registry::RegistryTx& tx, const std::string& code, int ward) {
  pb::Enterprise e;
  e.set_enterprise_code(code);
  e.set_display_name("Công ty TNHH " + code);
  e.set_legal_form(type::v1::LEGAL_FORM_SINGLE_MEMBER_LLC);
  e.set_sector(type::v1::SECTOR_NON_STATE);
  e.set_seat_unit(absl::StrFormat("units/%05d", 37 + ward));
  e.set_registration_date("2012-01-01");
  auto* first = e.add_status_history();
  first->set_status(type::v1::ENTERPRISE_STATUS_ACTIVE);
  first->set_effective_date("2012-01-01");
  first->set_source("registration");
  *first->mutable_record_time() = ProtoNow();
  StampCreated(e);
  RETURN_IF_ERROR(tx.PutEnterprise(code, e));
  RETURN_IF_ERROR(EmitChange(tx, type::v1::CHANGE_TYPE_CREATED,
                             &pb::StreamChangesResponse::mutable_enterprise, e));
  for (auto kind :
       {type::v1::ORGANIZATION_KIND_TRADE_UNION, type::v1::ORGANIZATION_KIND_YOUTH_UNION}) {
    ASSIGN_OR_RETURN(auto id, tx.NextId("organization"));
    pb::Organization o;
    o.set_name(absl::StrCat("enterprises/", code, "/organizations/", id));
    o.set_kind(kind);
    o.set_founding_date("2013-05-01");
    o.set_decision_number(absl::StrCat(id, "/QĐ"));
    o.set_founding_body("bodies/hk-labour-federation");
    o.set_members_at_founding(12);
    o.set_seat_unit(e.seat_unit());
    o.set_recorded_by("bench:fixture");
    StampCreated(o);
    RETURN_IF_ERROR(tx.PutOrganization(code, absl::StrCat(id), o));
    RETURN_IF_ERROR(EmitChange(tx, type::v1::CHANGE_TYPE_CREATED,
                               &pb::StreamChangesResponse::mutable_organization, o));
  }
  return absl::OkStatus();
}

// Where reporting stands in the registry's feed; -1 if it did not answer.
int64_t AppliedRegistrySequence(ServiceProcess& reporting) {
  auto p = testing::ProgressOf(reporting.channel(), "units/002", 2013);
  return p.has_value() && p->lag_size() > 0 ? p->lag(0).last_sequence() : -1;
}

}  // namespace

absl::StatusOr<int64_t> WriteRegistryFixture(const std::string& location, int64_t events) {
  ChangeNotifier notifier;
  ASSIGN_OR_RETURN(auto store, registry::SqlRegistryStore::Open(location, &notifier));
  RETURN_IF_ERROR(store->Transact([](registry::RegistryTx& tx) { return WriteUnits(tx); }));
  int64_t written = 2 + kWards;
  int sequence = 1;  // Of tax codes: those whose check digit would be 10 are skipped.
  while (written + 3 <= events) {
    const int64_t enterprises = std::min<int64_t>(kPerTransaction, (events - written) / 3);
    RETURN_IF_ERROR(store->Transact([&](registry::RegistryTx& tx) -> absl::Status {
      for (int64_t i = 0; i < enterprises; ++i) {
        std::string code;
        while (code.empty()) {
          code = registry::MakeEnterpriseCode(1, sequence++);
        }
        RETURN_IF_ERROR(WriteEnterprise(tx, code, static_cast<int>(i % kWards)));
      }
      return absl::OkStatus();
    }));
    written += 3 * enterprises;
  }
  return written;
}

std::string RebuildFixtureBenchmark(int64_t events) {
  chitieu::testing::TempDir dir;
  for (const char* s : {"registry", "quota", "reporting"}) {
    std::filesystem::create_directories(dir.path() + "/" + s);
  }
  auto failed = [&](const std::string& why) {
    return absl::StrFormat(
        "{\"benchmark\":\"rebuild_fixture\",\"ok\":false,\"events\":%d,\"error\":%s}", events,
        JsonQuoted(why));
  };
  const Clock::time_point write_begin = Clock::now();
  auto written = WriteRegistryFixture(dir.path() + "/registry/registry.db", events);
  if (!written.ok()) {
    return failed(std::string(written.status().message()));
  }
  const double write_s = SecondsSince(write_begin);
  const std::string secret = std::string("--service_secret=") + Stack::kServiceSecret;
  ServiceProcess registry("chitieu-registry", dir.path() + "/registry", {secret});
  if (!registry.Start()) {
    return failed(registry.error());
  }
  ServiceProcess quota("chitieu-quota", dir.path() + "/quota",
                       {secret, "--registry_addr=" + registry.address()});
  if (!quota.Start()) {
    return failed(quota.error());
  }
  const std::string metrics_port_file = dir.path() + "/reporting/mport";
  auto reporting = [&](std::vector<std::string> extra) {
    std::filesystem::remove(metrics_port_file);
    std::vector<std::string> args = {
        secret, "--registry_addr=" + registry.address(), "--quota_addr=" + quota.address(),
        "--metrics_listen=127.0.0.1:0", "--metrics_port_file=" + metrics_port_file};
    args.insert(args.end(), extra.begin(), extra.end());
    return std::make_unique<ServiceProcess>("chitieu-reporting", dir.path() + "/reporting", args);
  };
  // The live model, caught up: what a rebuild replaces.
  const Clock::time_point follow_begin = Clock::now();
  auto live = reporting({});
  if (!live->Start() ||
      !testing::WaitFor([&] { return AppliedRegistrySequence(*live) == *written; },
                        std::chrono::hours(1))) {
    return failed("the live model did not catch up");
  }
  const double follow_s = SecondsSince(follow_begin);
  live->Terminate();
  const Clock::time_point begin = Clock::now();
  auto rebuilt = reporting({"--rebuild"});
  if (!rebuilt->Start()) {
    return failed(rebuilt->error());
  }
  std::optional<double> replayed;
  const bool swapped = testing::WaitFor(
      [&] {
        const std::string page = testing::ScrapeMetricsAt(metrics_port_file);
        if (page.empty() ||
            testing::GaugeValue(page, "chitieu_read_model_rebuild_running") != 0.0) {
          return false;
        }
        replayed = testing::GaugeValue(page, "chitieu_read_model_rebuild_events");
        return true;
      },
      std::chrono::hours(1));
  const double swap_s = SecondsSince(begin);
  const bool ok = swapped && replayed.has_value() && static_cast<int64_t>(*replayed) == *written &&
                  AppliedRegistrySequence(*rebuilt) == *written;
  rebuilt->Terminate();
  return absl::StrFormat(
      "{\"benchmark\":\"rebuild_fixture\",\"ok\":%s,\"events\":%d,\"fixture_write_s\":%.2f,"
      "\"live_follow_s\":%.2f,\"rebuild_to_swap_s\":%.2f,\"events_per_s\":%.0f}",
      ok ? "true" : "false", *written, write_s, follow_s, swap_s, *written / swap_s);
}

}  // namespace chitieu::bench

// Crash safety: writers call the gateway concurrently — enterprises,
// Party organizations and admissions into the registry, targets into
// quota — each retrying with its request_id until answered, while every
// service in turn is killed with SIGKILL at a random moment and restarted,
// round after round. Afterwards: every acknowledged write is there exactly
// once, both change feeds run 1, 2, … with no gap, and reporting's figures
// equal a recount from the registry and quota.
//
// CHITIEU_CRASH_ROUNDS sets the rounds per service (2 under ctest; 20 in
// ./scripts/crash); CHITIEU_CRASH_REPORT names a file for the figures
// (JSON), which ./scripts/crash puts in docs/RELIABILITY.md.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "chitieu/quota/v1/quota.grpc.pb.h"
#include "chitieu/registry/v1/registry.grpc.pb.h"
#include "chitieu/reporting/v1/reporting.grpc.pb.h"
#include "services/registry/tax_code.h"
#include "tests/support/stack.h"
#include "tests/support/wait.h"

namespace chitieu {
namespace {

namespace reg = ::chitieu::registry::v1;
namespace quo = ::chitieu::quota::v1;
namespace rep = ::chitieu::reporting::v1;

constexpr char kKey[] = "k-crash";

int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v == nullptr ? fallback : std::atoi(v);
}

void Prepare(grpc::ClientContext& ctx, int seconds = 3) {
  ctx.AddMetadata("authorization", std::string("Bearer ") + kKey);
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
}

// What the writers saw.
struct Tally {
  std::atomic<int> enterprises{0}, organizations{0}, admissions{0}, targets{0};
  std::atomic<int> attempts{0}, retries{0}, refused{0};
  std::mutex mu;
  std::set<std::string> admission_names;                       // Acknowledged.
  std::map<std::string, std::string> admission_of_enterprise;  // Code → name.
  std::map<int, int> target_value_by_indicator;
};

// Calls `call` (one attempt with a fresh context) until it answers
// anything but a transient failure; true if it answered OK.
template <typename Call>
bool UntilAnswered(Tally& tally, Call call) {
  for (int attempt = 0;; ++attempt) {
    grpc::ClientContext ctx;
    Prepare(ctx);
    ++tally.attempts;
    const grpc::Status s = call(ctx);
    switch (s.error_code()) {
      case grpc::StatusCode::OK:
        return true;
      case grpc::StatusCode::UNAVAILABLE:
      case grpc::StatusCode::DEADLINE_EXCEEDED:
      case grpc::StatusCode::RESOURCE_EXHAUSTED:
      case grpc::StatusCode::ABORTED:
      case grpc::StatusCode::INTERNAL:
      case grpc::StatusCode::UNKNOWN:
      case grpc::StatusCode::CANCELLED:
        ++tally.retries;
        std::this_thread::sleep_for(std::chrono::milliseconds(std::min(200, 5 << (attempt % 6))));
        continue;
      default:
        ++tally.refused;
        ADD_FAILURE() << "refused: " << s.error_code() << " " << s.error_message();
        return false;
    }
  }
}

class CrashE2ETest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(stack_.Start({{kKey, "user:crash", "city_admin", "units/01"}}, true))
        << stack_.error();
    channel_ = stack_.gateway().channel();
  }

  // Every organization of `kind` founded in 2013 beneath Hoàn Kiếm, as the
  // registry lists them.
  int RegistryOrganizations(const std::string& filter_extra = "") {
    auto stub = reg::RegistryService::NewStub(channel_);
    int count = 0;
    std::string token;
    do {
      reg::ListOrganizationsRequest r;
      r.set_parent("enterprises/-");
      r.set_page_size(1000);
      r.set_page_token(token);
      r.set_filter(
          "unit = \"units/002\" AND founding_year = 2013 AND kind = "
          "ORGANIZATION_KIND_PARTY" +
          filter_extra);
      reg::ListOrganizationsResponse out;
      grpc::ClientContext ctx;
      Prepare(ctx, 20);
      EXPECT_TRUE(stub->ListOrganizations(&ctx, r, &out).ok());
      count += out.organizations_size();
      token = out.next_page_token();
    } while (!token.empty());
    return count;
  }

  std::vector<reg::Admission> RegistryAdmissions() {
    auto stub = reg::RegistryService::NewStub(channel_);
    std::vector<reg::Admission> all;
    std::string token;
    do {
      reg::ListAdmissionsRequest r;
      r.set_parent("enterprises/-");
      r.set_page_size(1000);
      r.set_page_token(token);
      r.set_filter("unit = \"units/002\" AND admission_year = 2013");
      reg::ListAdmissionsResponse out;
      grpc::ClientContext ctx;
      Prepare(ctx, 20);
      EXPECT_TRUE(stub->ListAdmissions(&ctx, r, &out).ok());
      for (auto& a : *out.mutable_admissions()) {
        all.push_back(std::move(a));
      }
      token = out.next_page_token();
    } while (!token.empty());
    return all;
  }

  // The sequences of a feed, read through the gateway to its end.
  template <typename Service, typename Request, typename Response>
  std::vector<int64_t> FeedSequences() {
    auto stub = Service::NewStub(channel_);
    Request r;
    r.set_no_follow(true);
    grpc::ClientContext ctx;
    Prepare(ctx, 60);
    auto reader = stub->StreamChanges(&ctx, r);
    Response c;
    std::vector<int64_t> out;
    while (reader->Read(&c)) {
      out.push_back(c.sequence());
    }
    EXPECT_TRUE(reader->Finish().ok());
    return out;
  }

  rep::Progress Progress() {
    auto stub = rep::ReportingService::NewStub(channel_);
    rep::GetProgressRequest r;
    r.set_unit("units/002");
    r.set_year(2013);
    rep::Progress p;
    grpc::ClientContext ctx;
    Prepare(ctx, 10);
    EXPECT_TRUE(stub->GetProgress(&ctx, r, &p).ok());
    return p;
  }

  static const rep::IndicatorProgress* Indicator(const rep::Progress& p, type::v1::Indicator i) {
    for (const auto& x : p.indicators()) {
      if (x.indicator() == i) {
        return &x;
      }
    }
    return nullptr;
  }

  static int WardTargets(const rep::IndicatorProgress& p) {
    int sum = 0;
    for (const auto& b : p.by_child_unit()) {
      sum += b.target();
    }
    return sum;
  }

  testing::Stack stack_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(CrashE2ETest, EveryAcknowledgedWriteSurvivesKills) {
  const int rounds = EnvInt("CHITIEU_CRASH_ROUNDS", 2);
  constexpr int kRegistryWriters = 3;
  const int party_before = RegistryOrganizations();
  const rep::Progress before = Progress();
  const int admissions_before = static_cast<int>(RegistryAdmissions().size());
  std::map<int, int> ward_targets_before;
  for (const auto& i : before.indicators()) {
    ward_targets_before[i.indicator()] = WardTargets(i);
  }

  Tally tally;
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < kRegistryWriters; ++w) {
    writers.emplace_back([&, w] {
      auto stub = reg::RegistryService::NewStub(channel_);
      for (int i = 0; !stop; ++i) {
        std::string code;
        for (int s = 200000 + w * 100000 + i * 4; code.empty(); ++s) {
          code = registry::MakeEnterpriseCode(1, s);
        }
        const std::string id = absl::StrCat("crash-", w, "-", i);
        reg::CreateEnterpriseRequest e;
        e.set_request_id(id + "-e");
        auto* ent = e.mutable_enterprise();
        ent->set_enterprise_code(code);
        ent->set_display_name("Công ty TNHH thử " + id);
        ent->set_legal_form(type::v1::LEGAL_FORM_MULTI_MEMBER_LLC);
        ent->set_sector(type::v1::SECTOR_NON_STATE);
        ent->set_seat_unit("units/00037");
        ent->set_registration_date("2012-01-01");
        reg::Enterprise enterprise;
        if (!UntilAnswered(tally, [&](grpc::ClientContext& ctx) {
              return stub->CreateEnterprise(&ctx, e, &enterprise);
            })) {
          return;
        }
        ++tally.enterprises;
        reg::CreateOrganizationRequest o;
        o.set_request_id(id + "-o");
        o.set_parent("enterprises/" + code);
        o.mutable_organization()->set_kind(type::v1::ORGANIZATION_KIND_PARTY);
        o.mutable_organization()->set_founding_date("2013-06-01");
        o.mutable_organization()->set_decision_number(id);
        o.mutable_organization()->set_founding_body("bodies/hk-block-party");
        reg::Organization org;
        if (!UntilAnswered(tally, [&](grpc::ClientContext& ctx) {
              return stub->CreateOrganization(&ctx, o, &org);
            })) {
          return;
        }
        ++tally.organizations;
        reg::CreateAdmissionRequest a;
        a.set_request_id(id + "-a");
        a.set_parent("enterprises/" + code);
        a.mutable_admission()->set_admission_date("2013-07-01");
        a.mutable_admission()->set_count(2);
        a.mutable_admission()->set_decision_number(id);
        reg::Admission admission;
        if (!UntilAnswered(tally, [&](grpc::ClientContext& ctx) {
              return stub->CreateAdmission(&ctx, a, &admission);
            })) {
          return;
        }
        ++tally.admissions;
        std::lock_guard<std::mutex> lock(tally.mu);
        tally.admission_names.insert(admission.name());
        tally.admission_of_enterprise[code] = admission.name();
      }
    });
  }
  // Targets for the wards through quota: one a ward, indicator and year.
  writers.emplace_back([&] {
    auto stub = quo::QuotaService::NewStub(channel_);
    const type::v1::Indicator indicators[] = {
        type::v1::INDICATOR_NEW_PARTY_ORGANIZATIONS, type::v1::INDICATOR_NEW_TRADE_UNIONS,
        type::v1::INDICATOR_NEW_YOUTH_UNIONS, type::v1::INDICATOR_NEW_PARTY_MEMBERS};
    for (int i = 0; !stop && i < 15 * 4; ++i) {
      quo::CreateTargetRequest t;
      t.set_request_id(absl::StrCat("crash-target-", i));
      t.set_parent(absl::StrCat("units/000", 37 + 3 * (i % 15)));  // 00037 … 00079.
      t.mutable_target()->set_year(2013);
      t.mutable_target()->set_indicator(indicators[i / 15]);
      t.mutable_target()->set_assigner("units/002");
      t.mutable_target()->set_assignee(t.parent());
      t.mutable_target()->set_value(1);
      t.set_allow_over_allocation(true);
      quo::Target out;
      if (!UntilAnswered(
              tally, [&](grpc::ClientContext& ctx) { return stub->CreateTarget(&ctx, t, &out); })) {
        return;
      }
      ++tally.targets;
      std::lock_guard<std::mutex> lock(tally.mu);
      ++tally.target_value_by_indicator[indicators[i / 15]];
    }
  });

  // The killer: each service in turn, at a random moment, `rounds` times.
  std::mt19937 random(std::random_device{}());
  std::map<std::string, int> kills;
  const std::pair<const char*, testing::ServiceProcess*> services[] = {
      {"registry", &stack_.registry()},
      {"quota", &stack_.quota()},
      {"reporting", &stack_.reporting()},
      {"gateway", &stack_.gateway()}};
  for (int round = 0; round < rounds; ++round) {
    for (const auto& [name, process] : services) {
      std::this_thread::sleep_for(
          std::chrono::milliseconds(std::uniform_int_distribution<int>(50, 400)(random)));
      process->Kill();
      ASSERT_TRUE(process->Start()) << name << ": " << process->error();
      ++kills[name];
    }
  }
  stop = true;
  for (auto& t : writers) {
    t.join();
  }
  ASSERT_EQ(tally.refused, 0);

  // Exactly once: each acknowledged admission is listed, and no enterprise
  // of ours has a second one (a retry that wrote again).
  std::map<std::string, int> admissions_of_ours;
  int admissions_now = 0, admitted_members = 0;
  for (const auto& a : RegistryAdmissions()) {
    ++admissions_now;
    admitted_members += a.count();
    const std::string code = a.name().substr(12, a.name().find("/admissions/") - 12);
    if (tally.admission_of_enterprise.count(code)) {
      ++admissions_of_ours[code];
    }
  }
  for (const auto& [code, name] : tally.admission_of_enterprise) {
    EXPECT_EQ(admissions_of_ours[code], 1) << code;
  }
  EXPECT_EQ(admissions_now, admissions_before + tally.admissions);
  const int party_now = RegistryOrganizations();
  EXPECT_EQ(party_now, party_before + tally.organizations);

  // Both feeds: 1, 2, … with no gap.
  const auto registry_feed =
      FeedSequences<reg::RegistryService, reg::StreamChangesRequest, reg::StreamChangesResponse>();
  const auto quota_feed =
      FeedSequences<quo::QuotaService, quo::StreamChangesRequest, quo::StreamChangesResponse>();
  int gaps = 0;
  for (const auto* feed : {&registry_feed, &quota_feed}) {
    for (size_t i = 0; i < feed->size(); ++i) {
      gaps += (*feed)[i] != int64_t(i + 1);
    }
  }
  EXPECT_EQ(gaps, 0);

  // Reporting equals the recount once it has applied both feeds.
  rep::Progress after;
  testing::WaitFor(
      [&] {
        after = Progress();
        return after.lag_size() == 2 && after.lag(0).last_sequence() == registry_feed.back() &&
               after.lag(1).last_sequence() == quota_feed.back();
      },
      std::chrono::seconds(60));
  ASSERT_EQ(after.lag_size(), 2);
  EXPECT_EQ(after.lag(0).last_sequence(), registry_feed.back());
  const auto* party = Indicator(after, type::v1::INDICATOR_NEW_PARTY_ORGANIZATIONS);
  const auto* members = Indicator(after, type::v1::INDICATOR_NEW_PARTY_MEMBERS);
  ASSERT_NE(party, nullptr);
  ASSERT_NE(members, nullptr);
  EXPECT_EQ(party->achieved(), party_now);
  EXPECT_EQ(members->achieved(), admitted_members);
  for (const auto& i : after.indicators()) {
    EXPECT_EQ(WardTargets(i),
              ward_targets_before[i.indicator()] + tally.target_value_by_indicator[i.indicator()])
        << i.indicator();
  }

  if (const char* report = std::getenv("CHITIEU_CRASH_REPORT")) {
    std::ofstream out(report);
    out << "{\"rounds_per_service\": " << rounds << ", \"kills\": {";
    bool first = true;
    for (const auto& [name, n] : kills) {
      out << (first ? "" : ", ") << "\"" << name << "\": " << n;
      first = false;
    }
    out << "}, \"acknowledged\": {\"enterprises\": " << tally.enterprises
        << ", \"organizations\": " << tally.organizations
        << ", \"admissions\": " << tally.admissions << ", \"targets\": " << tally.targets
        << "}, \"attempts\": " << tally.attempts << ", \"retries\": " << tally.retries
        << ", \"refused\": " << tally.refused
        << ", \"feed_changes\": {\"registry\": " << registry_feed.size()
        << ", \"quota\": " << quota_feed.size() << "}, \"feed_gaps\": " << gaps
        << ", \"duplicates\": " << (admissions_now - admissions_before - tally.admissions)
        << ", \"reporting_equals_recount\": "
        << (party->achieved() == party_now && members->achieved() == admitted_members ? "true"
                                                                                      : "false")
        << ", \"passed\": " << (::testing::Test::HasFailure() ? "false" : "true") << "}\n";
  }
}

}  // namespace
}  // namespace chitieu

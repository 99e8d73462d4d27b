// chitieu-bench: the benchmarks of docs/PERFORMANCE.md, each against a
// whole stack of its own (free ports, a temporary folder; PostgreSQL with
// CHITIEU_TEST_BACKEND=postgres), printing one JSON object a line:
//   memory      idle resident memory of each service
//   start       time from exec to SERVING of each service
//   forwarding  GetEnterprise direct to the registry, through the gateway
//               (API key) and through nginx grpc_pass (bench/nginx-grpc.conf)
//   import      ImportEnterprises of --enterprises rows against the sqlite3
//               shell's .import of the same rows into an empty table
//   writes      CreateOrganization, 64 clients, durable commits; it founds
//               --organizations organizations, the data of the next two
//   reports     GetProgress and RankUnits latency, change-to-report
//               freshness, reporting's memory, at that scale
//   rebuild     reporting's --rebuild of the model above: on SQLite built
//               beside the live model and swapped in, timed to the swap
//   rebuild_fixture  the same over a registry of --fixture_events feed
//               events written through its store (bench/rebuild_fixture.h)
// ./scripts/bench runs it and writes the tables into docs/PERFORMANCE.md.

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "bench/http_load.h"
#include "bench/load.h"
#include "bench/rebuild_fixture.h"
#include "chitieu/registry/v1/registry.grpc.pb.h"
#include "chitieu/reporting/v1/reporting.grpc.pb.h"
#include "libs/common/dates.h"
#include "libs/common/health_client.h"
#include "libs/common/principal.h"
#include "services/registry/tax_code.h"
#include "tests/support/metrics_scrape.h"
#include "tests/support/service_process.h"
#include "tests/support/stack.h"

ABSL_FLAG(std::string, suites,
          "memory,start,forwarding,http,import,writes,mixed,reports,rebuild,rebuild_fixture",
          "Benchmarks to run, in this order");
ABSL_FLAG(int, enterprises, 20000, "Enterprises the import creates (full scale: 1000000)");
ABSL_FLAG(int, organizations, 40000,
          "Organizations the writes benchmark founds (full scale: 2000000)");
ABSL_FLAG(double, seconds, 5, "Length of each timed load window");
ABSL_FLAG(int, concurrency, 128,
          "Calls in flight for the forwarding throughput runs, spread over --connections "
          "(issue 20's configuration: 8 connections x 16)");
ABSL_FLAG(int, connections, 8, "Forwarding: connections (channels) to each path");
ABSL_FLAG(std::string, paths, "direct,gateway,gateway-district,nginx",
          "Forwarding: the paths to measure");
ABSL_FLAG(std::vector<std::string>, gateway_flags, {},
          "More flags for the stack's gateway, comma-separated (to measure its settings: "
          "--gateway_flags=--relay_threads=2)");
ABSL_FLAG(int, rounds, 3, "Forwarding: rounds over every path (the report takes the median)");
ABSL_FLAG(int, writers, 64, "Concurrent clients of the writes benchmark");
ABSL_FLAG(int, import_batch, 1000, "Rows per ImportEnterprises message");
ABSL_FLAG(int64_t, fixture_events, 300000,
          "Feed events of the rebuild_fixture suite's registry (full scale: 3000000)");
ABSL_FLAG(int, freshness_n, 200, "Organizations founded one by one for the freshness figure");
ABSL_FLAG(std::string, nginx, "/usr/sbin/nginx", "nginx binary");
ABSL_FLAG(std::string, sqlite3, "/usr/bin/sqlite3", "sqlite3 shell");
ABSL_FLAG(std::string, nginx_conf, CHITIEU_BENCH_DIR "/nginx-grpc.conf", "nginx template");

namespace chitieu::bench {
namespace {

namespace reg = ::chitieu::registry::v1;
namespace rep = ::chitieu::reporting::v1;
using ::chitieu::testing::ServiceProcess;
using ::chitieu::testing::Stack;
using Clock = std::chrono::steady_clock;

constexpr char kKey[] = "k-bench";                   // Province-wide.
constexpr char kDistrictKey[] = "k-bench-district";  // Hoàn Kiếm's officer.
constexpr int kFirstSequence = 5000000;              // Tax-code sequences the seed never uses.

void Emit(const std::string& json) { std::cout << json << std::endl; }

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Prepares a call's context: one metadata header and a generous deadline.
using Decorate = std::function<void(grpc::ClientContext&)>;

Decorate With(std::string header, std::string value) {
  return [header = std::move(header), value = std::move(value)](grpc::ClientContext& c) {
    c.AddMetadata(header, value);
    c.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  };
}

const Decorate WithSecret = With(kServiceSecretMetadata, Stack::kServiceSecret);
const Decorate WithKey = With("authorization", std::string("Bearer ") + kKey);
const Decorate WithDistrictKey = With("authorization", std::string("Bearer ") + kDistrictKey);

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// nginx with bench/nginx-grpc.conf in a folder of its own, in front of
// `upstream`; stopped on destruction.
class Nginx {
 public:
  bool Start(const std::string& upstream, std::string* error) {
    std::ifstream in(absl::GetFlag(FLAGS_nginx_conf));
    std::stringstream text;
    text << in.rdbuf();
    port_ = FreePort();
    std::ofstream(dir_.path() + "/nginx.conf") << absl::StrReplaceAll(
        text.str(),
        {{"@DIR@", dir_.path()}, {"@PORT@", std::to_string(port_)}, {"@UPSTREAM@", upstream}});
    pid_ = fork();
    if (pid_ == 0) {
      const std::string bin = absl::GetFlag(FLAGS_nginx), conf = dir_.path() + "/nginx.conf";
      execl(bin.c_str(), bin.c_str(), "-p", dir_.path().c_str(), "-c", conf.c_str(), "-e",
            (dir_.path() + "/error.log").c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    channel_ = grpc::CreateChannel(address(), grpc::InsecureChannelCredentials());
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    while (Clock::now() < deadline) {
      // A health check through nginx reaches the registry behind it.
      if (IsServing(channel_, 500)) {
        return true;
      }
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        break;
      }
    }
    *error = "nginx did not serve; see " + dir_.path() + "/error.log";
    return false;
  }
  ~Nginx() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }

 private:
  chitieu::testing::TempDir dir_;
  pid_t pid_ = -1;
  int port_ = 0;
  std::shared_ptr<grpc::Channel> channel_;
};

class Bench {
 public:
  bool Start() {
    // The gateway's per-principal rate limit would measure itself, not the
    // forwarding: lifted for the bench's one principal.
    std::vector<std::string> gateway_flags = {"--rate_limit_per_second=1000000",
                                              "--rate_limit_burst=1000000"};
    for (const std::string& flag : absl::GetFlag(FLAGS_gateway_flags)) {
      gateway_flags.push_back(flag);
    }
    if (!stack_.Start({{kKey, "user:bench", "city_admin", "units/01"},
                       {kDistrictKey, "user:bench-hk", "district_officer", "units/002"}},
                      true, gateway_flags)) {
      std::cerr << "cannot start the stack: " << stack_.error() << "\n";
      return false;
    }
    registry_ = reg::RegistryService::NewStub(stack_.registry().channel());
    reporting_ = rep::ReportingService::NewStub(stack_.reporting().channel());
    year_ = TodayInVietnam().year();
    today_ = FormatDate(TodayInVietnam());
    reg::ListUnitsRequest r;
    r.set_page_size(1000);
    reg::ListUnitsResponse units;
    grpc::ClientContext c;
    WithSecret(c);
    if (!registry_->ListUnits(&c, r, &units).ok()) {
      return false;
    }
    for (const auto& u : units.units()) {
      if (u.level() != reg::UNIT_LEVEL_PROVINCE && u.close_date().empty()) {
        seats_.push_back(u.name());
      }
    }
    return true;
  }

  void Memory() {
    for (auto& [name, p] : Services()) {
      const MemoryKb m = MemoryOf(p->pid());
      Emit(
          absl::StrFormat("{\"benchmark\":\"memory\",\"state\":\"idle\",\"service\":\"%s\","
                          "\"rss_kb\":%d,\"pss_kb\":%d,\"anon_kb\":%d}",
                          name, m.rss, m.pss, m.anon));
    }
  }

  void StartTimes(const std::string& state) {
    for (auto& [name, p] : Services()) {
      p->Terminate();
      const Clock::time_point begin = Clock::now();
      const bool ok = p->Start();
      Emit(
          absl::StrFormat("{\"benchmark\":\"start\",\"state\":\"%s\",\"service\":\"%s\","
                          "\"ok\":%s,\"to_serving_ms\":%.1f}",
                          state, name, ok ? "true" : "false", SecondsSince(begin) * 1000));
    }
  }

  void Forwarding() {
    // Hoàn Kiếm's: in scope for both keys.
    std::vector<std::string> names = EnterpriseNames(1000);
    if (names.empty()) {
      Emit("{\"benchmark\":\"forwarding\",\"error\":\"no enterprises to read\"}");
      return;
    }
    Nginx nginx;
    std::string nginx_error;
    const bool have_nginx = absl::StrContains(absl::GetFlag(FLAGS_paths), "nginx") &&
                            nginx.Start(stack_.registry().address(), &nginx_error);
    if (!have_nginx && !nginx_error.empty()) {
      Emit(absl::StrFormat("{\"benchmark\":\"forwarding\",\"path\":\"nginx\",\"error\":%s}",
                           JsonQuoted(nginx_error)));
    }
    struct Path {
      std::string name;
      std::string address;
      Decorate decorate;
    };
    // "gateway": a province-wide key (no lookup to authorize);
    // "gateway-district": a district officer's key (the enterprise's seat
    // is looked up, then remembered for --authz_cache_seconds).
    std::vector<Path> paths = {{"direct", stack_.registry().address(), WithSecret},
                               {"gateway", stack_.gateway().address(), WithKey},
                               {"gateway-district", stack_.gateway().address(), WithDistrictKey}};
    if (have_nginx) {
      paths.push_back({"nginx", nginx.address(), WithSecret});
    }
    // Each path gets --connections channels of its own, made once and kept
    // warm over the rounds. With many in flight call i goes on channel
    // i % connections, so 128 in flight are 8 connections x about 16; one
    // in flight stays on the first (a caller making one call at a time).
    const int connections = std::max(1, absl::GetFlag(FLAGS_connections));
    std::vector<std::vector<std::unique_ptr<reg::RegistryService::Stub>>> stubs(paths.size());
    for (size_t p = 0; p < paths.size(); ++p) {
      for (int c = 0; c < connections; ++c) {
        stubs[p].push_back(reg::RegistryService::NewStub(Fresh(paths[p].address)));
      }
    }
    const std::vector<std::string> wanted = absl::StrSplit(absl::GetFlag(FLAGS_paths), ',');
    // Rounds interleave the paths, so that whatever else the machine does
    // falls on all of them alike; the report takes each one's median round.
    for (int round = 1; round <= absl::GetFlag(FLAGS_rounds); ++round) {
      for (size_t p = 0; p < paths.size(); ++p) {
        const Path& path = paths[p];
        if (std::find(wanted.begin(), wanted.end(), path.name) == wanted.end()) {
          continue;
        }
        for (int concurrency : {1, absl::GetFlag(FLAGS_concurrency)}) {
          const int spread = concurrency > 1 ? connections : 1;
          AsyncCall get = [&](int64_t i, std::function<void(const grpc::Status&)> done) {
            StartUnary<reg::GetEnterpriseRequest, reg::Enterprise>(
                [&, i](auto* c, auto* req, auto* resp, auto cb) {
                  stubs[p][i % spread]->async()->GetEnterprise(c, req, resp, std::move(cb));
                },
                [&](grpc::ClientContext& c, reg::GetEnterpriseRequest& r) {
                  path.decorate(c);
                  r.set_name(names[i % names.size()]);
                },
                std::move(done));
          };
          LoadOptions o;
          o.concurrency = concurrency;
          o.seconds = absl::GetFlag(FLAGS_seconds);
          Emit(Tagged("forwarding", RunLoad("GetEnterprise/" + path.name, o, get),
                      absl::StrCat("\"round\":", round, ",\"connections\":", spread)));
        }
      }
    }
  }

  void Import() {
    const int n = absl::GetFlag(FLAGS_enterprises);
    chitieu::testing::TempDir dir;
    // The same rows for both: our import and the sqlite3 shell's.
    std::vector<reg::Enterprise> rows;
    rows.reserve(n);
    std::ofstream csv(dir.path() + "/rows.csv");
    for (int seq = kFirstSequence; static_cast<int>(rows.size()) < n; ++seq) {
      const std::string code = registry::MakeEnterpriseCode(1, seq);
      if (code.empty()) {
        continue;
      }
      reg::Enterprise e;
      e.set_enterprise_code(code);
      e.set_display_name(absl::StrCat("Công ty TNHH Thương mại và Dịch vụ ", seq));
      e.set_legal_form(rows.size() % 2 ? chitieu::type::v1::LEGAL_FORM_MULTI_MEMBER_LLC
                                       : chitieu::type::v1::LEGAL_FORM_JOINT_STOCK_COMPANY);
      e.set_sector(chitieu::type::v1::SECTOR_NON_STATE);
      e.set_seat_unit(seats_[rows.size() % seats_.size()]);
      e.set_registration_date("2012-03-01");
      csv << e.enterprise_code() << ",\"" << e.display_name() << "\"," << e.legal_form() << ","
          << e.sector() << "," << e.seat_unit() << "," << e.registration_date() << "\n";
      rows.push_back(std::move(e));
    }
    csv.close();

    const Clock::time_point begin = Clock::now();
    grpc::ClientContext c;
    WithSecret(c);
    c.set_deadline(std::chrono::system_clock::now() + std::chrono::hours(4));
    reg::ImportEnterprisesResponse response;
    auto stream = registry_->ImportEnterprises(&c, &response);
    reg::ImportEnterprisesRequest batch;
    batch.set_source("bench");
    for (size_t i = 0; i < rows.size(); ++i) {
      *batch.add_enterprises() = rows[i];
      if (batch.enterprises_size() == absl::GetFlag(FLAGS_import_batch) || i + 1 == rows.size()) {
        if (!stream->Write(batch)) {
          break;
        }
        batch.Clear();
      }
    }
    stream->WritesDone();
    const grpc::Status s = stream->Finish();
    const double ours_s = SecondsSince(begin);
    for (const auto& e : rows) {
      imported_.push_back("enterprises/" + e.enterprise_code());
    }

    const std::string db = dir.path() + "/sqlite3.db";
    const std::string command = absl::StrCat(
        absl::GetFlag(FLAGS_sqlite3), " ", db,
        " 'CREATE TABLE enterprises(enterprise_code TEXT PRIMARY KEY, display_name TEXT,"
        " legal_form INTEGER, sector INTEGER, seat_unit TEXT, registration_date TEXT)'"
        " '.import --csv ",
        dir.path(), "/rows.csv enterprises'");
    const Clock::time_point sqlite_begin = Clock::now();
    const auto shell = chitieu::testing::RunShell(command, dir.path());
    const double sqlite_s = SecondsSince(sqlite_begin);
    Emit(absl::StrFormat(
        "{\"benchmark\":\"import\",\"rows\":%d,\"batch\":%d,\"ok\":%s,\"created\":%d,"
        "\"rejected\":%d,\"seconds\":%.2f,\"rows_per_s\":%.0f,\"sqlite3_ok\":%s,"
        "\"sqlite3_seconds\":%.2f,\"sqlite3_rows_per_s\":%.0f,\"ratio\":%.3f%s}",
        n, absl::GetFlag(FLAGS_import_batch), s.ok() ? "true" : "false", response.created(),
        response.rejected(), ours_s, n / ours_s, shell.code == 0 ? "true" : "false", sqlite_s,
        n / sqlite_s, sqlite_s / ours_s,
        s.ok() ? "" : absl::StrFormat(",\"error\":%s", JsonQuoted(s.error_message()))));
  }

  void Writes() {
    if (imported_.empty()) {
      Emit("{\"benchmark\":\"writes\",\"error\":\"run the import first\"}");
      return;
    }
    // Party organizations first, then trade unions, one per enterprise each.
    const int64_t n = imported_.size();
    const chitieu::type::v1::OrganizationKind kinds[] = {
        chitieu::type::v1::ORGANIZATION_KIND_PARTY,
        chitieu::type::v1::ORGANIZATION_KIND_TRADE_UNION,
        chitieu::type::v1::ORGANIZATION_KIND_YOUTH_UNION};
    const int64_t total = std::min<int64_t>(absl::GetFlag(FLAGS_organizations), 3 * n);
    auto stub = reg::RegistryService::NewStub(Fresh(stack_.registry().address()));
    AsyncCall create = [&](int64_t i, std::function<void(const grpc::Status&)> done) {
      StartUnary<reg::CreateOrganizationRequest, reg::Organization>(
          [&](auto* c, auto* req, auto* resp, auto cb) {
            stub->async()->CreateOrganization(c, req, resp, std::move(cb));
          },
          [&](grpc::ClientContext& c, reg::CreateOrganizationRequest& r) {
            WithSecret(c);
            r.set_parent(imported_[i % n]);
            r.set_request_id(absl::StrCat("bench-", i));
            auto* o = r.mutable_organization();
            o->set_kind(kinds[(i / n) % 3]);
            // Spread over the years of Resolution 09 up to this one, so each
            // year's report counts its share.
            const int year = 2013 + static_cast<int>(i % (year_ - 2013 + 1));
            o->set_founding_date(
                year == year_ ? today_
                              : absl::StrFormat("%d-%02d-%02d", year, 1 + i % 12, 1 + i % 28));
            o->set_decision_number("bench");
            o->set_founding_body("bodies/hk-block-party");
            o->set_members_at_founding(3);
          },
          std::move(done));
    };
    LoadOptions o;
    o.concurrency = absl::GetFlag(FLAGS_writers);
    o.seconds = 4 * 3600;
    o.warmup_seconds = 0;
    o.max_calls = total;
    LoadResult r = RunLoad("CreateOrganization/direct", o, create);
    r.seconds = r.elapsed_seconds;
    r.throughput = r.ok / std::max(1e-9, r.seconds);
    organizations_ = r.ok;
    Emit(Tagged("writes", r));
  }

  // Reads beside writes: GetEnterprise, 4 in flight, while 32 clients
  // update enterprises (each its own durable transaction), with the
  // registry's reads on connections of their own and, for comparison, on
  // the writer's (--sqlite_readers=0, as before issue 20). The stack's
  // registry is stopped meanwhile and started again after.
  void Mixed() {
    if (imported_.empty()) {
      Emit("{\"benchmark\":\"mixed\",\"error\":\"run the import first\"}");
      return;
    }
    const int64_t n = imported_.size();
    ServiceProcess& old = stack_.registry();
    old.Terminate();
    for (const std::string readers : {"shared", "own"}) {
      std::vector<std::string> args = {std::string("--service_secret=") + Stack::kServiceSecret};
      if (readers == "shared") {
        args.push_back("--sqlite_readers=0");
      }
      ServiceProcess registry("chitieu-registry", stack_.dir() + "/registry", args);
      if (!registry.Start()) {
        Emit(absl::StrFormat("{\"benchmark\":\"mixed\",\"error\":%s}",
                             JsonQuoted(registry.error())));
        continue;
      }
      auto stub = reg::RegistryService::NewStub(Fresh(registry.address()));
      AsyncCall read = [&](int64_t i, std::function<void(const grpc::Status&)> done) {
        StartUnary<reg::GetEnterpriseRequest, reg::Enterprise>(
            [&](auto* c, auto* req, auto* resp, auto cb) {
              stub->async()->GetEnterprise(c, req, resp, std::move(cb));
            },
            [&](grpc::ClientContext& c, reg::GetEnterpriseRequest& r) {
              WithSecret(c);
              r.set_name(imported_[(i * 7919) % n]);
            },
            std::move(done));
      };
      AsyncCall write = [&](int64_t i, std::function<void(const grpc::Status&)> done) {
        StartUnary<reg::UpdateEnterpriseRequest, reg::Enterprise>(
            [&](auto* c, auto* req, auto* resp, auto cb) {
              stub->async()->UpdateEnterprise(c, req, resp, std::move(cb));
            },
            [&](grpc::ClientContext& c, reg::UpdateEnterpriseRequest& r) {
              WithSecret(c);
              r.mutable_enterprise()->set_name(imported_[i % n]);
              r.mutable_enterprise()->set_display_name(absl::StrCat("Công ty ", readers, " ", i));
              r.mutable_update_mask()->add_paths("display_name");
            },
            std::move(done));
      };
      LoadOptions ro, wo;
      ro.concurrency = 4;
      wo.concurrency = 32;
      ro.seconds = wo.seconds = absl::GetFlag(FLAGS_seconds);
      LoadResult writes;
      std::thread writer([&] { writes = RunLoad("UpdateEnterprise", wo, write); });
      LoadResult reads = RunLoad("GetEnterprise", ro, read);
      writer.join();
      const std::string tag = absl::StrCat("\"readers\":\"", readers, "\"");
      Emit(Tagged("mixed", reads, tag));
      Emit(Tagged("mixed", writes, tag));
      registry.Terminate();
    }
    old.Start();
  }

  // GetProgress of a district through the gateway: over gRPC, and over
  // HTTP/JSON on keep-alive connections (as browsers and REST clients
  // send it), 1 and 32 at once, interleaved in rounds.
  void HttpJson() {
    WaitForReporting();
    const std::string unit = "units/002";
    auto stub = rep::ReportingService::NewStub(Fresh(stack_.gateway().address()));
    AsyncCall progress = [&](int64_t, std::function<void(const grpc::Status&)> done) {
      StartUnary<rep::GetProgressRequest, rep::Progress>(
          [&](auto* c, auto* req, auto* resp, auto cb) {
            stub->async()->GetProgress(c, req, resp, std::move(cb));
          },
          [&](grpc::ClientContext& c, rep::GetProgressRequest& r) {
            WithKey(c);
            r.set_unit(unit);
            r.set_year(year_);
          },
          std::move(done));
    };
    HttpLoadOptions h;
    // Read again: the start suite restarts the gateway, on a new HTTP port.
    std::ifstream(stack_.dir() + "/http_port") >> h.port;
    h.target = absl::StrCat("/v1/", unit, "/progress?year=", year_);
    h.headers = {std::string("Authorization: Bearer ") + kKey};
    h.seconds = absl::GetFlag(FLAGS_seconds);
    for (int round = 1; round <= absl::GetFlag(FLAGS_rounds); ++round) {
      const std::string tag = absl::StrFormat("\"round\":%d", round);
      for (int concurrency : {1, 32}) {
        LoadOptions o;
        o.concurrency = concurrency;
        o.seconds = absl::GetFlag(FLAGS_seconds);
        Emit(Tagged("http", RunLoad("GetProgress/grpc", o, progress), tag));
        h.connections = concurrency;
        Emit(Tagged("http", RunHttpLoad("GetProgress/http", h), tag));
      }
    }
  }

  void Reports() {
    auto stub = reporting_.get();
    const int year = year_;
    std::string unit;
    AsyncCall progress = [&](int64_t, std::function<void(const grpc::Status&)> done) {
      StartUnary<rep::GetProgressRequest, rep::Progress>(
          [&](auto* c, auto* req, auto* resp, auto cb) {
            stub->async()->GetProgress(c, req, resp, std::move(cb));
          },
          [&](grpc::ClientContext& c, rep::GetProgressRequest& r) {
            WithSecret(c);
            r.set_unit(unit);
            r.set_year(year);
          },
          std::move(done));
    };
    AsyncCall rank = [&](int64_t, std::function<void(const grpc::Status&)> done) {
      StartUnary<rep::RankUnitsRequest, rep::RankUnitsResponse>(
          [&](auto* c, auto* req, auto* resp, auto cb) {
            stub->async()->RankUnits(c, req, resp, std::move(cb));
          },
          [&](grpc::ClientContext& c, rep::RankUnitsRequest& r) {
            WithSecret(c);
            r.set_parent("units/01");
            r.set_year(year);
            r.set_indicator(chitieu::type::v1::INDICATOR_NEW_PARTY_ORGANIZATIONS);
          },
          std::move(done));
    };
    WaitForReporting();
    LoadOptions o;
    o.concurrency = 1;
    o.seconds = absl::GetFlag(FLAGS_seconds);
    unit = "units/002";  // A district (Hoàn Kiếm).
    Emit(Tagged("reports", RunLoad("GetProgress", o, progress), Scale()));
    unit = "units/01";  // The whole city.
    Emit(Tagged("reports", RunLoad("GetProgress/city", o, progress), Scale()));
    Emit(Tagged("reports", RunLoad("RankUnits", o, rank), Scale()));
    Freshness();
    for (auto& [name, p] : Services()) {
      const MemoryKb m = MemoryOf(p->pid());
      Emit(
          absl::StrFormat("{\"benchmark\":\"memory\",\"state\":\"loaded\",\"service\":\"%s\","
                          "\"rss_kb\":%d,\"pss_kb\":%d,\"anon_kb\":%d,%s}",
                          name, m.rss, m.pss, m.anon, Scale()));
    }
  }

  // On SQLite the model is rebuilt beside the live one, which serves
  // meanwhile, and swapped in: timed to the swap (the rebuild's own
  // metrics). On PostgreSQL it is dropped and replayed: timed until the
  // figures are back.
  void Rebuild() {
    WaitForReporting();
    const std::string before = Fingerprint();
    ServiceProcess& old = stack_.reporting();
    old.Terminate();
    const std::string metrics_port_file = stack_.dir() + "/reporting/rebuild_metrics_port";
    std::filesystem::remove(metrics_port_file);
    ServiceProcess rebuilt(
        "chitieu-reporting", stack_.dir() + "/reporting",
        {"--registry_addr=" + stack_.registry().address(),
         "--quota_addr=" + stack_.quota().address(),
         std::string("--service_secret=") + Stack::kServiceSecret, "--rebuild",
         "--metrics_listen=127.0.0.1:0", "--metrics_port_file=" + metrics_port_file});
    const Clock::time_point begin = Clock::now();
    bool ok = rebuilt.Start();
    const double serving_s = SecondsSince(begin);
    std::string page;
    while (ok && page.empty() && SecondsSince(begin) < 30) {
      page = chitieu::testing::ScrapeMetricsAt(metrics_port_file);
    }
    auto gauge = [&](const char* name) {
      return chitieu::testing::GaugeValue(chitieu::testing::ScrapeMetricsAt(metrics_port_file),
                                          name);
    };
    const bool swapped =
        chitieu::testing::GaugeValue(page, "chitieu_read_model_rebuild_running").has_value();
    auto stub = rep::ReportingService::NewStub(rebuilt.channel());
    double replayed = 0;
    while (ok && SecondsSince(begin) < 3600) {
      if (swapped) {
        if (gauge("chitieu_read_model_rebuild_running") == 0.0) {
          replayed = gauge("chitieu_read_model_rebuild_events").value_or(0);
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      } else if (Fingerprint(stub.get()) == before) {
        replayed = feed_events_;
        break;
      }
    }
    const double caught_up_s = SecondsSince(begin);
    ok = ok && caught_up_s < 3600 && Fingerprint(stub.get()) == before;
    Emit(
        absl::StrFormat("{\"benchmark\":\"rebuild\",\"ok\":%s,\"swapped\":%s,\"feed_events\":%.0f,"
                        "\"to_serving_s\":%.2f,\"caught_up_s\":%.2f,%s}",
                        ok ? "true" : "false", swapped ? "true" : "false", replayed, serving_s,
                        caught_up_s, Scale()));
    rebuilt.Terminate();
    old.Start();  // Leave the stack whole for its own shutdown.
  }

 private:
  std::vector<std::pair<std::string, ServiceProcess*>> Services() {
    return {{"registry", &stack_.registry()},
            {"quota", &stack_.quota()},
            {"reporting", &stack_.reporting()},
            {"gateway", &stack_.gateway()}};
  }

  // A channel of its own (not shared with other benchmarks' calls).
  static std::shared_ptr<grpc::Channel> Fresh(const std::string& address) {
    static std::atomic<int> channels{0};
    grpc::ChannelArguments args;
    args.SetInt("chitieu.bench.channel", ++channels);
    return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
  }

  std::string Scale() const {
    return absl::StrFormat("\"enterprises_imported\":%d,\"organizations_founded\":%d",
                           imported_.size(), organizations_);
  }

  static std::string Tagged(const std::string& benchmark, const LoadResult& r,
                            const std::string& extra = "") {
    std::string json = r.Json();
    json.insert(
        1, absl::StrCat("\"benchmark\":\"", benchmark, "\",", extra.empty() ? "" : extra + ","));
    return json;
  }

  std::vector<std::string> EnterpriseNames(int n) {
    reg::ListEnterprisesRequest r;
    r.set_page_size(n);
    r.set_filter("unit = \"units/002\"");
    reg::ListEnterprisesResponse page;
    grpc::ClientContext c;
    WithSecret(c);
    std::vector<std::string> names;
    if (registry_->ListEnterprises(&c, r, &page).ok()) {
      for (const auto& e : page.enterprises()) {
        names.push_back(e.name());
      }
    }
    return names;
  }

  // What reporting shows for the current year across the city.
  std::string Fingerprint(rep::ReportingService::Stub* stub = nullptr) {
    if (stub == nullptr) {
      stub = reporting_.get();
    }
    rep::RankUnitsRequest r;
    r.set_parent("units/01");
    r.set_year(year_);
    r.set_indicator(chitieu::type::v1::INDICATOR_NEW_PARTY_ORGANIZATIONS);
    rep::RankUnitsResponse out;
    grpc::ClientContext c;
    WithSecret(c);
    c.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    if (!stub->RankUnits(&c, r, &out).ok()) {
      return "";
    }
    std::string fingerprint;
    feed_events_ = 0;
    for (const auto& lag : out.lag()) {
      absl::StrAppend(&fingerprint, lag.source(), "@", lag.last_sequence(), ";");
      feed_events_ += lag.last_sequence();
    }
    for (const auto& u : out.units()) {
      absl::StrAppend(&fingerprint, u.unit(), "=", u.achieved(), ";");
    }
    return fingerprint;
  }

  // Reporting has caught up with the writes when its figures stop moving
  // and match the registry's count; polls (each poll is a call) until then.
  void WaitForReporting() {
    std::string last = Fingerprint();
    const Clock::time_point begin = Clock::now();
    for (;;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      const std::string now = Fingerprint();
      if (now == last || SecondsSince(begin) > 3600) {
        return;
      }
      last = now;
    }
  }

  // How long after the registry acknowledges a new organization does
  // GetProgress show it? Founds one at a time in fresh enterprises.
  void Freshness() {
    const std::string unit = "units/00040";
    auto achieved = [&]() -> int {
      rep::GetProgressRequest r;
      r.set_unit(unit);
      r.set_year(year_);
      rep::Progress p;
      grpc::ClientContext c;
      WithSecret(c);
      if (!reporting_->GetProgress(&c, r, &p).ok() || p.indicators_size() == 0) {
        return -1;
      }
      return p.indicators(0).achieved();
    };
    const std::string today = FormatDate(TodayInVietnam());
    int expected = achieved();
    std::vector<double> ms;
    int seq = kFirstSequence + 4 * absl::GetFlag(FLAGS_enterprises) + 1000;
    for (int i = 0; i < absl::GetFlag(FLAGS_freshness_n) && expected >= 0; ++i) {
      std::string code;
      while (code.empty()) {
        code = registry::MakeEnterpriseCode(1, seq++);
      }
      reg::CreateEnterpriseRequest e;
      auto* ent = e.mutable_enterprise();
      ent->set_enterprise_code(code);
      ent->set_display_name("Benchmark " + code);
      ent->set_legal_form(chitieu::type::v1::LEGAL_FORM_SINGLE_MEMBER_LLC);
      ent->set_sector(chitieu::type::v1::SECTOR_NON_STATE);
      ent->set_seat_unit(unit);
      ent->set_registration_date("2020-01-01");
      reg::Enterprise out;
      grpc::ClientContext c1;
      WithSecret(c1);
      if (!registry_->CreateEnterprise(&c1, e, &out).ok()) {
        break;
      }
      reg::CreateOrganizationRequest o;
      o.set_parent("enterprises/" + code);
      o.mutable_organization()->set_kind(chitieu::type::v1::ORGANIZATION_KIND_PARTY);
      o.mutable_organization()->set_founding_date(today);
      o.mutable_organization()->set_decision_number("bench");
      o.mutable_organization()->set_founding_body("bodies/hk-block-party");
      reg::Organization org;
      grpc::ClientContext c2;
      WithSecret(c2);
      if (!registry_->CreateOrganization(&c2, o, &org).ok()) {
        break;
      }
      const Clock::time_point acked = Clock::now();
      ++expected;
      while (achieved() < expected && SecondsSince(acked) < 10) {
      }
      ms.push_back(SecondsSince(acked) * 1000);
    }
    Emit(absl::StrFormat(
        "{\"benchmark\":\"reports\",\"name\":\"freshness\",\"n\":%d,\"p50_ms\":%.3f,"
        "\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,%s}",
        ms.size(), Percentile(ms, 0.5), Percentile(ms, 0.9), Percentile(ms, 0.99),
        Percentile(ms, 1.0), Scale()));
  }

  Stack stack_;
  std::unique_ptr<reg::RegistryService::Stub> registry_;
  std::unique_ptr<rep::ReportingService::Stub> reporting_;
  int year_ = 0;
  std::string today_;
  std::vector<std::string> seats_;
  std::vector<std::string> imported_;
  int64_t organizations_ = 0;
  int64_t feed_events_ = 0;  // Both feeds' last sequences, as reporting last saw them.
};

}  // namespace
}  // namespace chitieu::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  std::vector<std::string> suites = absl::StrSplit(absl::GetFlag(FLAGS_suites), ',');
  // The rebuild at scale starts services of its own, on its fixture.
  if (auto it = std::find(suites.begin(), suites.end(), "rebuild_fixture"); it != suites.end()) {
    suites.erase(it);
    std::cout << chitieu::bench::RebuildFixtureBenchmark(absl::GetFlag(FLAGS_fixture_events))
              << std::endl;
    if (suites.empty()) {
      return 0;
    }
  }
  chitieu::bench::Bench bench;
  if (!bench.Start()) {
    return 1;
  }
  for (const std::string& suite : suites) {
    if (suite == "memory") {
      bench.Memory();
    } else if (suite == "start") {
      bench.StartTimes("seeded");
    } else if (suite == "forwarding") {
      bench.Forwarding();
    } else if (suite == "http") {
      bench.HttpJson();
    } else if (suite == "import") {
      bench.Import();
    } else if (suite == "writes") {
      bench.Writes();
    } else if (suite == "mixed") {
      bench.Mixed();
    } else if (suite == "reports") {
      bench.Reports();
    } else if (suite == "rebuild") {
      bench.Rebuild();
    } else {
      std::cerr << "unknown suite " << suite << "\n";
      return 2;
    }
  }
  return 0;
}

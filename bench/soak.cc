// chitieu-soak: a bounded mixed workload against a whole stack of its own
// (free ports, a temporary folder, stopped at the end). Closed-loop clients
// call the gateway — reads (GetProgress, GetEnterprise, ListEnterprises) and
// writes (CreateEnterprise, CreateOrganization) — as fast as they are
// answered, more than the gateway's per-principal rate limit lets through,
// so overload is shed with RESOURCE_EXHAUSTED. Every window it records the
// p50 and p99 of answered reads and writes, the codes, and each service's
// resident memory; at the end it checks every service is still alive and
// prints one JSON object (./scripts/soak keeps it in build/soak.json).
//   chitieu-soak --seconds=600 --clients=16 --window_seconds=60

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "bench/load.h"
#include "chitieu/registry/v1/registry.grpc.pb.h"
#include "chitieu/reporting/v1/reporting.grpc.pb.h"
#include "services/registry/tax_code.h"
#include "tests/support/stack.h"

ABSL_FLAG(int, seconds, 600, "How long the workload runs");
ABSL_FLAG(int, clients, 16, "Closed-loop clients");
ABSL_FLAG(int, window_seconds, 60, "Length of one reporting window");
ABSL_FLAG(int, write_percent, 20, "Share of calls that write");

namespace {

namespace reg = ::chitieu::registry::v1;
namespace rep = ::chitieu::reporting::v1;
using ::chitieu::bench::Percentile;
using ::chitieu::bench::RssKb;
constexpr char kKey[] = "k-soak";

struct Window {
  std::mutex mu;
  std::vector<double> read_ms, write_ms;
  std::map<std::string, int> codes;
};

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const int seconds = absl::GetFlag(FLAGS_seconds);
  const int window_seconds = std::max(1, absl::GetFlag(FLAGS_window_seconds));
  chitieu::testing::Stack stack;
  if (!stack.Start({{kKey, "user:soak", "city_admin", "units/01"}}, true)) {
    std::cerr << "cannot start the stack: " << stack.error() << "\n";
    return 1;
  }
  auto channel = stack.gateway().channel();
  const std::pair<std::string, chitieu::testing::ServiceProcess*> services[] = {
      {"registry", &stack.registry()},
      {"quota", &stack.quota()},
      {"reporting", &stack.reporting()},
      {"gateway", &stack.gateway()}};

  auto window = std::make_unique<Window>();
  std::mutex window_mu;  // Guards the pointer swap.
  std::atomic<bool> stop{false};
  std::atomic<int> sequence{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < absl::GetFlag(FLAGS_clients); ++c) {
    clients.emplace_back([&, c] {
      auto registry = reg::RegistryService::NewStub(channel);
      auto reporting = rep::ReportingService::NewStub(channel);
      std::mt19937 random(c);
      std::uniform_int_distribution<int> percent(0, 99);
      while (!stop) {
        grpc::ClientContext ctx;
        ctx.AddMetadata("authorization", std::string("Bearer ") + kKey);
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
        const bool write = percent(random) < absl::GetFlag(FLAGS_write_percent);
        const auto start = std::chrono::steady_clock::now();
        grpc::Status s;
        if (write) {
          std::string code;
          for (int seq = 300000 + 7 * sequence++; code.empty(); ++seq) {
            code = chitieu::registry::MakeEnterpriseCode(1, seq);
          }
          reg::CreateEnterpriseRequest r;
          auto* e = r.mutable_enterprise();
          e->set_enterprise_code(code);
          e->set_display_name("Công ty TNHH soak " + code);
          e->set_legal_form(chitieu::type::v1::LEGAL_FORM_MULTI_MEMBER_LLC);
          e->set_sector(chitieu::type::v1::SECTOR_NON_STATE);
          e->set_seat_unit("units/00037");
          e->set_registration_date("2012-01-01");
          reg::Enterprise out;
          s = registry->CreateEnterprise(&ctx, r, &out);
        } else {
          switch (percent(random) % 3) {
            case 0: {
              rep::GetProgressRequest r;
              r.set_unit("units/002");
              r.set_year(2013);
              rep::Progress out;
              s = reporting->GetProgress(&ctx, r, &out);
              break;
            }
            case 1: {
              reg::ListEnterprisesRequest r;
              r.set_filter("unit = \"units/002\"");
              r.set_page_size(50);
              reg::ListEnterprisesResponse out;
              s = registry->ListEnterprises(&ctx, r, &out);
              break;
            }
            default: {
              reg::GetUnitRequest r;
              r.set_name("units/002");
              reg::Unit out;
              s = registry->GetUnit(&ctx, r, &out);
            }
          }
        }
        const double ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                .count();
        std::lock_guard<std::mutex> swap(window_mu);
        std::lock_guard<std::mutex> lock(window->mu);
        window->codes[absl::StatusCodeToString(static_cast<absl::StatusCode>(s.error_code()))]++;
        if (s.ok()) {
          (write ? window->write_ms : window->read_ms).push_back(ms);
        }
        if (s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
          // A shed call: back off briefly, as a well-behaved client would.
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
      }
    });
  }

  std::string windows_json;
  std::map<std::string, long> rss_first, rss_last;
  for (const auto& [name, p] : services) {
    rss_first[name] = RssKb(p->pid());
  }
  std::map<std::string, int> totals;
  const auto begin = std::chrono::steady_clock::now();
  for (int w = 0; w * window_seconds < seconds; ++w) {
    std::this_thread::sleep_until(begin + std::chrono::seconds((w + 1) * window_seconds));
    std::unique_ptr<Window> done;
    {
      std::lock_guard<std::mutex> swap(window_mu);
      done = std::exchange(window, std::make_unique<Window>());
    }
    std::string codes;
    for (const auto& [code, n] : done->codes) {
      absl::StrAppend(&codes, codes.empty() ? "" : ", ", "\"", code, "\": ", n);
      totals[code] += n;
    }
    std::string rss;
    for (const auto& [name, p] : services) {
      rss_last[name] = RssKb(p->pid());
      absl::StrAppend(&rss, rss.empty() ? "" : ", ", "\"", name, "\": ", rss_last[name]);
    }
    const std::string line =
        absl::StrCat("{\"window\": ", w + 1, ", \"end_s\": ", (w + 1) * window_seconds,
                     ", \"reads\": ", done->read_ms.size(),
                     ", \"read_p50_ms\": ", Percentile(done->read_ms, 0.50),
                     ", \"read_p99_ms\": ", Percentile(done->read_ms, 0.99),
                     ", \"writes\": ", done->write_ms.size(),
                     ", \"write_p50_ms\": ", Percentile(done->write_ms, 0.50),
                     ", \"write_p99_ms\": ", Percentile(done->write_ms, 0.99), ", \"codes\": {",
                     codes, "}, \"rss_kb\": {", rss, "}}");
    std::cerr << line << "\n";
    absl::StrAppend(&windows_json, windows_json.empty() ? "" : ",\n  ", line);
  }
  stop = true;
  for (auto& t : clients) {
    t.join();
  }
  // Every service must still be running (none crashed under the load).
  bool alive = true;
  for (const auto& [name, p] : services) {
    alive = alive && kill(p->pid(), 0) == 0;
  }
  std::string growth, totals_json;
  for (const auto& [name, kb] : rss_last) {
    absl::StrAppend(&growth, growth.empty() ? "" : ", ", "\"", name, "\": ", kb - rss_first[name]);
  }
  for (const auto& [code, n] : totals) {
    absl::StrAppend(&totals_json, totals_json.empty() ? "" : ", ", "\"", code, "\": ", n);
  }
  std::cout << "{\"seconds\": " << seconds << ", \"clients\": " << absl::GetFlag(FLAGS_clients)
            << ", \"all_alive\": " << (alive ? "true" : "false") << ", \"codes\": {" << totals_json
            << "}, \"rss_growth_kb\": {" << growth << "},\n \"windows\": [\n  " << windows_json
            << "]}\n";
  return alive ? 0 : 1;
}

// End-to-end tests of how the gateway judges its backends (issue 17):
// health probes feed grpc.health.v1 only; calls are refused early only when
// gRPC's own view of the channel is TRANSIENT_FAILURE. Finding: one health
// probe slower than 1 s marked a backend down for at least 2 s, and the
// gateway refused every call to it meanwhile — under CI load, a healthy
// registry answered UNAVAILABLE through the gateway.
//
// Each test has a stack of its own (they freeze, kill and load it), and
// ctest runs them alone (RUN_SERIAL): one loads both cores on purpose.

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "chitieu/registry/v1/registry.grpc.pb.h"
#include "libs/common/health_client.h"
#include "tests/support/stack.h"

namespace chitieu {
namespace {

namespace reg = ::chitieu::registry::v1;
using ::chitieu::testing::Stack;

constexpr char kKey[] = "k-health";
constexpr char kRegistry[] = "chitieu.registry.v1.RegistryService";

class BackendHealthE2ETest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(stack_.Start({{kKey, "user:health", "city_admin", "units/01"}}, false,
                             {"--rate_limit_per_second=100000", "--rate_limit_burst=100000"}))
        << stack_.error();
  }

  // GetUnit through the gateway, with a deadline far longer than any
  // answer takes.
  grpc::Status GetUnit(int deadline_s = 30) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", std::string("Bearer ") + kKey);
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(deadline_s));
    reg::GetUnitRequest r;
    r.set_name("units/002");
    reg::Unit unit;
    return reg::RegistryService::NewStub(stack_.gateway().channel())->GetUnit(&ctx, r, &unit);
  }
  // Whether the gateway's health service reports the registry as serving,
  // polled until it says `serving` (at most 60 s).
  bool GatewaySees(bool serving) {
    for (int i = 0; i < 600; ++i) {
      if (IsServing(stack_.gateway().channel(), 500, kRegistry) == serving) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  Stack stack_;
};

// A registry frozen long enough for the prober to see it down, then
// thawed: the very next call is forwarded and answered, not refused for
// the stale probe.
TEST_F(BackendHealthE2ETest, AFailedProbeRefusesNothing) {
  ASSERT_TRUE(GetUnit().ok());
  ASSERT_TRUE(stack_.registry().Freeze());
  const bool seen_down = GatewaySees(false);
  stack_.registry().Thaw();
  ASSERT_TRUE(seen_down) << "the prober never reported the frozen registry";
  // The health answer is still NOT_SERVING (until the next probe), yet the
  // registry answers, and so the call goes through.
  const grpc::Status s = GetUnit();
  EXPECT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();
}

// A killed registry: its connection is gone, gRPC's channel says so, and
// calls fail at once with UNAVAILABLE (not DEADLINE_EXCEEDED after 30 s).
TEST_F(BackendHealthE2ETest, AKilledBackendIsRefusedAtOnce) {
  ASSERT_TRUE(GetUnit().ok());
  stack_.registry().Kill();
  // The first call after the kill may find the channel still idle and
  // try to connect; it is refused either way, and so is every one after.
  for (int i = 0; i < 5; ++i) {
    const grpc::Status s = GetUnit();
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << i << ": " << s.error_message();
  }
  // Back again: calls go through as soon as the registry is up.
  ASSERT_TRUE(stack_.registry().Start()) << stack_.registry().error();
  bool through = false;
  for (int i = 0; i < 600 && !through; ++i) {
    through = GetUnit().ok();
    if (!through) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  EXPECT_TRUE(through);
}

// Busy loops on both cores while calls go through the gateway: probes may
// be slow, but no call is refused while the registry answers.
TEST_F(BackendHealthE2ETest, UnderCpuLoadNoCallIsRefused) {
  std::atomic<bool> stop{false};
  std::vector<std::thread> burners;
  for (unsigned i = 0; i < std::max(2u, std::thread::hardware_concurrency()); ++i) {
    burners.emplace_back([&stop] {
      volatile uint64_t x = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        x = x + 1;
      }
    });
  }
  int refused = 0, failed = 0;
  std::string first;
  // Ten seconds: five rounds of the prober's probes.
  for (const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
       std::chrono::steady_clock::now() < end;) {
    const grpc::Status s = GetUnit();
    if (s.ok()) {
      continue;
    }
    ++(s.error_code() == grpc::StatusCode::UNAVAILABLE ? refused : failed);
    if (first.empty()) {
      first = std::to_string(s.error_code()) + " " + s.error_message();
    }
  }
  stop = true;
  for (std::thread& t : burners) {
    t.join();
  }
  EXPECT_EQ(refused, 0) << first;
  EXPECT_EQ(failed, 0) << first;
}

}  // namespace
}  // namespace chitieu

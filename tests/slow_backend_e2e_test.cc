// A stalled backend: the quota service is frozen with SIGSTOP (its socket
// still accepts connections, nothing answers). A call to it through the
// gateway must end within the caller's deadline, with DEADLINE_EXCEEDED (or
// UNAVAILABLE once the gateway's health probe has marked quota down),
// while calls to the registry and reporting go on being answered; after
// SIGCONT, quota answers through the gateway again.

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>

#include "chitieu/quota/v1/quota.grpc.pb.h"
#include "chitieu/registry/v1/registry.grpc.pb.h"
#include "tests/support/stack.h"

namespace chitieu {
namespace {

namespace reg = ::chitieu::registry::v1;
namespace quo = ::chitieu::quota::v1;

constexpr char kKey[] = "k-slow";
constexpr char kReaderKey[] = "k-slow-reader";  // Its own rate limit.

grpc::Status GetTarget(const std::shared_ptr<grpc::Channel>& channel,
                       std::chrono::milliseconds deadline) {
  quo::ListTargetsRequest r;
  r.set_parent("units/002");
  r.set_year(2013);
  quo::ListTargetsResponse out;
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", std::string("Bearer ") + kKey);
  ctx.set_deadline(std::chrono::system_clock::now() + deadline);
  return quo::QuotaService::NewStub(channel)->ListTargets(&ctx, r, &out);
}

grpc::Status GetUnit(const std::shared_ptr<grpc::Channel>& channel) {
  reg::GetUnitRequest r;
  r.set_name("units/002");
  reg::Unit out;
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", std::string("Bearer ") + kReaderKey);
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  return reg::RegistryService::NewStub(channel)->GetUnit(&ctx, r, &out);
}

TEST(SlowBackendE2ETest, AStalledBackendCostsItsCallersTheirDeadlineAndNoOneElse) {
  testing::Stack stack;
  ASSERT_TRUE(stack.Start({{kKey, "user:city", "city_admin", "units/01"},
                           {kReaderKey, "user:reader", "city_admin", "units/01"}},
                          false))
      << stack.error();
  auto gateway = stack.gateway().channel();
  ASSERT_TRUE(GetTarget(gateway, std::chrono::seconds(5)).ok());

  ASSERT_EQ(kill(stack.quota().pid(), SIGSTOP), 0);
  // Registry calls keep being answered throughout.
  std::atomic<bool> stop{false};
  std::atomic<int> registry_ok{0}, registry_failed{0};
  std::mutex mu;
  std::string last_failure;
  std::thread reader([&] {
    while (!stop) {
      const grpc::Status s = GetUnit(gateway);
      (s.ok() ? registry_ok : registry_failed)++;
      if (!s.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        last_failure = std::to_string(s.error_code()) + " " + s.error_message();
      }
      // About 50 calls a second, well under the gateway's rate limit.
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  constexpr auto kDeadline = std::chrono::milliseconds(400);
  int deadline_exceeded = 0, unavailable = 0;
  std::string others;  // Any other answer, to say which (a failure names it).
  for (int i = 0; i < 10; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const grpc::Status s = GetTarget(gateway, kDeadline);
    const auto took = std::chrono::steady_clock::now() - start;
    // Within the caller's deadline (and a scheduling margin), whatever it says.
    EXPECT_LT(took, kDeadline + std::chrono::seconds(1)) << s.error_message();
    if (s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) ++deadline_exceeded;
    if (s.error_code() == grpc::StatusCode::UNAVAILABLE) ++unavailable;
    if (s.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED &&
        s.error_code() != grpc::StatusCode::UNAVAILABLE) {
      others += std::to_string(s.error_code()) + " \"" + s.error_message() + "\"; ";
    }
  }
  EXPECT_EQ(deadline_exceeded + unavailable, 10) << others;
  std::cout << "stalled quota: " << deadline_exceeded << " DEADLINE_EXCEEDED, " << unavailable
            << " UNAVAILABLE\n";
  EXPECT_GT(deadline_exceeded, 0);  // At least the first calls waited out their deadline.
  stop = true;
  reader.join();
  EXPECT_GT(registry_ok, 0);
  EXPECT_EQ(registry_failed, 0) << last_failure;

  // Thawed, quota answers through the gateway again.
  ASSERT_EQ(kill(stack.quota().pid(), SIGCONT), 0);
  bool back = false;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!back && std::chrono::steady_clock::now() < until) {
    back = GetTarget(gateway, std::chrono::seconds(2)).ok();
    if (!back) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(back);
}

}  // namespace
}  // namespace chitieu

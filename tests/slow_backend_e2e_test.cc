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
#include <fstream>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>

#include "chitieu/quota/v1/quota.grpc.pb.h"
#include "chitieu/registry/v1/registry.grpc.pb.h"
#include "tests/support/stack.h"
#include "tests/support/wait.h"

namespace chitieu {
namespace {

namespace reg = ::chitieu::registry::v1;
namespace quo = ::chitieu::quota::v1;

constexpr char kKey[] = "k-slow";
constexpr char kReaderKey[] = "k-slow-reader";  // Its own rate limit.

// `answer`, if given, receives what came back (for a failure message).
grpc::Status GetTarget(const std::shared_ptr<grpc::Channel>& channel,
                       std::chrono::milliseconds deadline, std::string* answer = nullptr) {
  quo::ListTargetsRequest r;
  r.set_parent("units/002");
  r.set_year(2013);
  quo::ListTargetsResponse out;
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", std::string("Bearer ") + kKey);
  ctx.set_deadline(std::chrono::system_clock::now() + deadline);
  grpc::Status s = quo::QuotaService::NewStub(channel)->ListTargets(&ctx, r, &out);
  if (answer != nullptr) {
    *answer = out.ShortDebugString();
  }
  return s;
}

// The process's state letter from /proc (T: stopped).
char ProcessState(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  const size_t close = line.rfind(')');
  return close == std::string::npos || close + 2 >= line.size() ? '?' : line[close + 2];
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

  // Frozen for certain before the first call: kill() returns before a
  // busy process has stopped, and under load quota went on answering for
  // a few calls (the flake recorded in docs/RELIABILITY.md).
  ASSERT_TRUE(stack.quota().Freeze());
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
    const char before = ProcessState(stack.quota().pid());
    const auto start = std::chrono::steady_clock::now();
    std::string answer;
    const grpc::Status s = GetTarget(gateway, kDeadline, &answer);
    const auto took = std::chrono::steady_clock::now() - start;
    // Within the caller's deadline (and a scheduling margin), whatever it says.
    EXPECT_LT(took, kDeadline + std::chrono::seconds(1)) << s.error_message();
    if (s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
      ++deadline_exceeded;
    }
    if (s.error_code() == grpc::StatusCode::UNAVAILABLE) {
      ++unavailable;
    }
    if (s.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED &&
        s.error_code() != grpc::StatusCode::UNAVAILABLE) {
      // What came back, and whether quota was stopped before and after
      // (an OK here has been seen and is not explained yet).
      others +=
          "call " + std::to_string(i) + ": " + std::to_string(s.error_code()) + " \"" +
          s.error_message() + "\" answer {" + answer + "} after " +
          std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()) +
          " ms, quota state " + before + "/" + ProcessState(stack.quota().pid()) + "; ";
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
  stack.quota().Thaw();
  bool back = false;
  back = testing::WaitFor([&] { return GetTarget(gateway, std::chrono::seconds(2)).ok(); },
                          std::chrono::seconds(30), std::chrono::milliseconds(50));
  EXPECT_TRUE(back);
}

}  // namespace
}  // namespace chitieu

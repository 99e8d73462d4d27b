// RunServer in process: it refuses to start over an undeclared service,
// serves health and writes its port file once listening, calls on_reload
// on SIGHUP, and on SIGTERM runs on_shutdown, drains and returns 0. Its own
// binary with its own main: the signals must be blocked in every thread
// before any exists, as InitService does for a service.

#include "libs/common/server.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "absl/cleanup/cleanup.h"
#include "chitieu/registry/v1/registry.pb.h"
#include "libs/common/flags.h"
#include "libs/common/health_client.h"
#include "tests/support/service_process.h"
#include "tests/support/wait.h"

namespace chitieu {
namespace {

TEST(RunServer, RefusesAServiceWhoseMethodsAreNotDeclared) {
  ServerConfig config;
  config.service_name = "test";
  config.listen_address = "127.0.0.1:0";
  config.authorized_services = {"chitieu.nosuch.v1.NoSuchService"};
  bool started = false;
  config.on_started = [&](int) { started = true; };
  EXPECT_EQ(RunServer(config), 1);
  EXPECT_FALSE(started);
}

TEST(RunServer, ServesUntilSigtermAndReloadsOnSighup) {
  testing::TempDir dir;
  const std::string port_file = dir.path() + "/port";
  std::atomic<int> reloads{0}, shutdowns{0}, port{0};
  ServerConfig config;
  config.service_name = "test";
  config.listen_address = "127.0.0.1:0";
  config.port_file = port_file;
  // A real service, so that the declarations are checked on the way up.
  config.authorized_services = {
      registry::v1::GetUnitRequest::descriptor()->file()->service(0)->full_name()};
  config.on_started = [&](int p) { port = p; };
  config.on_reload = [&] { ++reloads; };
  config.on_shutdown = [&] { ++shutdowns; };
  config.drain_seconds = 1;
  std::atomic<int> exit_code{-1};
  std::thread server([&] { exit_code = RunServer(config); });
  // Whatever fails below, the server is stopped and joined.
  absl::Cleanup stop = [&] {
    if (server.joinable()) {
      kill(getpid(), SIGTERM);
      server.join();
    }
  };

  ASSERT_TRUE(testing::WaitFor([&] {
    int written = 0;
    std::ifstream(port_file) >> written;
    return written != 0 && written == port.load();
  })) << "RunServer returned "
      << exit_code.load();
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(port.load()),
                                     grpc::InsecureChannelCredentials());
  EXPECT_TRUE(IsServing(channel, 5000));

  ASSERT_EQ(kill(getpid(), SIGHUP), 0);
  EXPECT_TRUE(testing::WaitFor([&] { return reloads.load() == 1; }));
  EXPECT_EQ(shutdowns.load(), 0);
  EXPECT_TRUE(IsServing(channel, 5000));

  ASSERT_EQ(kill(getpid(), SIGTERM), 0);
  server.join();
  EXPECT_EQ(exit_code.load(), 0);
  EXPECT_EQ(shutdowns.load(), 1);
  EXPECT_FALSE(IsServing(channel, 500));
}

}  // namespace
}  // namespace chitieu

int main(int argc, char** argv) {
  chitieu::BlockServerSignals();
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}

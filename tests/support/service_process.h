#pragma once

// Starts a real service binary for end-to-end tests: on a free port it
// picks itself (--listen=127.0.0.1:0, the bound port read back from
// --port_file), in a temporary data folder, waiting on grpc.health.v1 —
// never on a sleep. Stops what it started.

#include <grpcpp/grpcpp.h>
#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

namespace chitieu::testing {

// A fresh temporary folder, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class ServiceProcess {
 public:
  // `binary` is a file name in the build's bin folder, e.g.
  // "chitieu-registry". `args` are extra flags. With the environment
  // variable CHITIEU_TEST_BACKEND=postgres (how ctest runs the end-to-end
  // suites a second time), a service given no --database_url keeps its
  // data in a database of its own on the binary's shared PostgreSQL server
  // (SharedPostgres), the same across restarts.
  ServiceProcess(std::string binary, std::string data_dir, std::vector<std::string> args = {});
  ~ServiceProcess();

  // Credentials of the channel to it (default plaintext); set before Start
  // for a service that listens with TLS.
  void set_credentials(std::shared_ptr<grpc::ChannelCredentials> c) { credentials_ = std::move(c); }

  // Starts the binary and waits (up to 30 s) until it answers SERVING. A
  // restart listens on the port the first start picked.
  // Returns false, with the reason in `error()`, if it did not.
  bool Start();
  // Sends SIGKILL and reaps the process.
  void Kill();
  // Sends SIGSTOP and returns once every thread of the process is stopped
  // (kill returns before a busy process has stopped: a frozen service once
  // answered calls for a moment under load); false if that took over 30 s.
  bool Freeze();
  // Sends SIGCONT.
  void Thaw();
  // Sends SIGTERM and returns the exit status (or -1 on a signal death).
  int Terminate();

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  const std::string& error() const { return error_; }
  pid_t pid() const { return pid_; }

 private:
  std::string binary_;
  std::string data_dir_;
  std::vector<std::string> args_;
  pid_t pid_ = -1;
  int port_ = 0;
  std::shared_ptr<grpc::Channel> channel_;
  std::shared_ptr<grpc::ChannelCredentials> credentials_ = grpc::InsecureChannelCredentials();
  std::string error_;
};

// Runs a binary of the build's bin folder to completion; returns its exit
// code (-1 if it could not run or died of a signal). Output goes to
// `log_path`.
int RunTool(const std::string& binary, const std::vector<std::string>& args,
            const std::string& log_path);

// What a shell command printed and how it ended.
struct ShellResult {
  int code = -1;  // The exit status; -1 if it died of a signal.
  std::string out, err;
};

// Runs `command` with /bin/sh, capturing its output through files in `dir`.
ShellResult RunShell(const std::string& command, const std::string& dir);

}  // namespace chitieu::testing

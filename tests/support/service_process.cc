#include "tests/support/service_process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/common/health_client.h"
#include "tests/support/postgres.h"

extern char** environ;

namespace chitieu::testing {

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "chitieu-test-XXXXXX").string();
  char* made = mkdtemp(tmpl.data());
  path_ = made != nullptr ? made : "";
}

TempDir::~TempDir() {
  // CHITIEU_KEEP_TEST_DIRS=1 keeps them (data and logs) for a post-mortem.
  if (std::getenv("CHITIEU_KEEP_TEST_DIRS") != nullptr) {
    return;
  }
  std::error_code ec;
  if (!path_.empty()) {
    std::filesystem::remove_all(path_, ec);
  }
}

ServiceProcess::ServiceProcess(std::string binary, std::string data_dir,
                               std::vector<std::string> args)
    : binary_(std::move(binary)), data_dir_(std::move(data_dir)), args_(std::move(args)) {
  // More flags for every service, e.g. a benchmark's variant
  // (CHITIEU_SERVICE_ARGS="--pg_pool_size=2"), split at spaces.
  static const std::set<std::string> kServices = {"chitieu-registry", "chitieu-quota",
                                                  "chitieu-reporting", "chitieu-gateway"};
  if (const char* extra = std::getenv("CHITIEU_SERVICE_ARGS");
      extra != nullptr && kServices.count(binary_)) {
    for (absl::string_view a : absl::StrSplit(extra, ' ', absl::SkipEmpty())) {
      args_.emplace_back(a);
    }
  }
  const char* backend = std::getenv("CHITIEU_TEST_BACKEND");
  if (backend == nullptr || std::string(backend) != "postgres") {
    return;
  }
  if (!kServices.count(binary_)) {
    return;
  }
  auto flag = [this](absl::string_view name) -> std::string {
    for (const auto& a : args_) {
      if (absl::StartsWith(a, absl::StrCat(name, "="))) {
        return a.substr(name.size() + 1);
      }
    }
    return "";
  };
  std::string url = flag("--database_url");
  if (url.empty()) {
    static std::atomic<int> databases{0};
    url = SharedPostgres()->Url(absl::StrCat(binary_.substr(8), "_", ++databases));
    args_.push_back("--database_url=" + url);
  }
  // Approvals are source data, in a database of their own beside the
  // model's (shared by replicas that share the model).
  if (binary_ == "chitieu-reporting" && flag("--approvals_database_url").empty()) {
    const std::string prefix = "postgresql:///";
    if (absl::StartsWith(url, prefix)) {
      const std::string name = url.substr(prefix.size(), url.find('?') - prefix.size());
      args_.push_back("--approvals_database_url=" + SharedPostgres()->Url(name + "_approvals"));
    }
  }
}

ServiceProcess::~ServiceProcess() {
  if (pid_ > 0) {
    Kill();
  }
  // A failed test shows what the service said: the log goes away with
  // the test's temporary folder, and a failure seen once in CI must be
  // understood from its output alone.
  // A stack a whole suite shares goes away after its last test, outside
  // any: the suite's failure counts then.
  const ::testing::TestSuite* suite = ::testing::UnitTest::GetInstance()->current_test_suite();
  const bool failed = ::testing::Test::HasFailure() ||
                      (::testing::UnitTest::GetInstance()->current_test_info() == nullptr &&
                       suite != nullptr && suite->Failed());
  if (failed) {
    std::ifstream in(data_dir_ + "/" + binary_ + ".log");
    std::deque<std::string> tail;
    for (std::string line; std::getline(in, line);) {
      tail.push_back(std::move(line));
      if (tail.size() > 60) {
        tail.pop_front();
      }
    }
    std::cerr << "--- the last " << tail.size() << " lines of " << binary_ << "'s log:\n";
    for (const auto& line : tail) {
      std::cerr << line << "\n";
    }
    std::cerr << "--- end of " << binary_ << "'s log\n";
  }
}

bool ServiceProcess::Start() {
  std::filesystem::create_directories(data_dir_);
  const std::string port_file = data_dir_ + "/port";
  std::filesystem::remove(port_file);
  // The first start picks a free port; a restart keeps it, so that peers
  // configured with the address find the service again.
  std::vector<std::string> argv_s = {std::string(CHITIEU_BIN_DIR) + "/" + binary_,
                                     "--listen=127.0.0.1:" + std::to_string(port_),
                                     "--data_dir=" + data_dir_, "--port_file=" + port_file};
  argv_s.insert(argv_s.end(), args_.begin(), args_.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  // Logs (stdout and stderr) go to a file in the data folder, for
  // post-mortems; the child must not hold the test runner's output pipe.
  // It dies with the test process (PR_SET_PDEATHSIG), so a crashed test
  // leaves nothing running. Everything the child does before exec is
  // async-signal-safe.
  const std::string log_path = data_dir_ + "/" + binary_ + ".log";
  pid_ = fork();
  if (pid_ < 0) {
    error_ = "cannot fork";
    pid_ = -1;
    return false;
  }
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    execv(argv[0], argv.data());
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  const bool restart = port_ != 0;
  channel_.reset();  // A fresh channel: an old one may be in reconnect backoff.
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      error_ = binary_ + " exited during start-up; see " + data_dir_ + "/" + binary_ + ".log";
      pid_ = -1;
      return false;
    }
    if (!channel_) {
      std::ifstream in(port_file);
      int port = 0;
      in >> port;
      if (port != 0 && (!restart || port == port_)) {
        port_ = port;
        channel_ = grpc::CreateChannel(address(), credentials_);
      }
    }
    if (channel_ && chitieu::IsServing(channel_, 500)) {
      return true;
    }
    // Poll the port file and health endpoint; each probe itself waits.
    if (!channel_) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  error_ = binary_ + " did not become SERVING within 30 s";
  return false;
}

void ServiceProcess::Kill() {
  if (pid_ <= 0) {
    return;
  }
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

namespace {

// Whether every thread of `pid` is stopped ('T' in /proc/PID/task/*/stat).
bool AllThreadsStopped(pid_t pid) {
  std::error_code ec;
  int threads = 0;
  for (const auto& task :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::ifstream stat(task.path() / "stat");
    std::string line;
    std::getline(stat, line);
    const size_t close = line.rfind(')');
    if (close == std::string::npos || close + 2 >= line.size() || line[close + 2] != 'T') {
      return false;
    }
    ++threads;
  }
  return !ec && threads > 0;
}

}  // namespace

bool ServiceProcess::Freeze() {
  if (pid_ <= 0 || kill(pid_, SIGSTOP) != 0) {
    return false;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!AllThreadsStopped(pid_)) {
    if (std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

void ServiceProcess::Thaw() {
  if (pid_ > 0) {
    kill(pid_, SIGCONT);
  }
}

int ServiceProcess::Terminate() {
  if (pid_ <= 0) {
    return -1;
  }
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

ShellResult RunShell(const std::string& command, const std::string& dir) {
  static std::atomic<int> runs{0};
  const std::string base = dir + "/shell-" + std::to_string(++runs);
  ShellResult r;
  const int status =
      std::system(("(" + command + ") >" + base + ".out 2>" + base + ".err").c_str());
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::stringstream out, err;
  out << std::ifstream(base + ".out").rdbuf();
  err << std::ifstream(base + ".err").rdbuf();
  r.out = out.str();
  r.err = err.str();
  return r;
}

}  // namespace chitieu::testing

namespace chitieu::testing {

int RunTool(const std::string& binary, const std::vector<std::string>& args,
            const std::string& log_path) {
  std::vector<std::string> argv_s = {std::string(CHITIEU_BIN_DIR) + "/" + binary};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    return -1;
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace chitieu::testing

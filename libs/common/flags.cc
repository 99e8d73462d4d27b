// The flags every process shares, and where its data and store live (flags.h).

#include "libs/common/flags.h"

#include <malloc.h>
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "libs/common/log.h"
#include "libs/common/sql_store.h"

ABSL_FLAG(std::string, listen, "", "host:port this service listens on (port 0 picks a free port)");
ABSL_FLAG(std::string, data_dir, "./var", "Folder for this service's database");
ABSL_FLAG(std::string, registry_addr, chitieu::kDefaultRegistryAddr, "Registry service address");
ABSL_FLAG(std::string, quota_addr, chitieu::kDefaultQuotaAddr, "Quota service address");
ABSL_FLAG(std::string, reporting_addr, chitieu::kDefaultReportingAddr, "Reporting service address");
ABSL_FLAG(std::string, service_secret, "",
          "Secret shared by the gateway and the services; when set, services refuse calls "
          "without it (see libs/common/principal.h)");
ABSL_FLAG(std::string, database_url, "",
          "postgresql://… to keep this service's data (the gateway: its audit log) in "
          "PostgreSQL, which several replicas may share; empty: SQLite in --data_dir");
ABSL_FLAG(int, max_message_bytes, 4 << 20,
          "Largest gRPC message this process receives (larger: RESOURCE_EXHAUSTED)");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate (chain) of this process; with --tls_key, its listeners use TLS");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA: when set, the gRPC listener requires client certificates it signed (mTLS), "
          "and a verified peer is trusted like one holding the service secret");
ABSL_FLAG(std::string, peer_ca, "",
          "PEM CA: when set, calls to other services use TLS verified against it, presenting "
          "--peer_cert (default --tls_cert) as the client certificate");
ABSL_FLAG(std::string, peer_server_name, "",
          "Name to verify in the peer's certificate instead of the dialled host (e.g. a probe "
          "dialling 127.0.0.1 in the peer's own pod)");
ABSL_FLAG(std::string, peer_cert, "", "Client certificate for calls to other services");
ABSL_FLAG(std::string, peer_key, "", "Private key of --peer_cert");
ABSL_FLAG(std::string, metrics_listen, "",
          "host:port for Prometheus metrics at GET /metrics (empty: none; port 0: a free one)");
ABSL_FLAG(std::string, metrics_port_file, "", "If set, the bound metrics port is written here");
ABSL_FLAG(std::string, port_file, "",
          "If set, the bound port is written to this file once serving (for --listen=…:0)");
ABSL_FLAG(int, handler_threads, 0,
          "Threads that run the service's calls (0: eight a core, at least sixteen)");

namespace chitieu {

void BlockServerSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void InitService(int argc, char** argv, const char* usage, const char* default_listen) {
  BlockServerSignals();
  // Everything a service writes (databases, their journals, sockets, port
  // files) is its user's alone: files 0600, folders 0700.
  umask(077);

  // Debian's Abseil checks every absl::Mutex acquisition against a global
  // lock-order graph (GraphCycles, under one global lock, and a node removed
  // whenever a mutex dies: once a proxied call). That is a debugging aid
  // (the TSan build and the tests keep lock order honest), measured at
  // several percent of the gateway's CPU: off in the services.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  // glibc gives threads that allocate at once malloc arenas of their own,
  // up to eight a core, and each keeps what it held: with the handler pool
  // (handler.h) an idle registry was 14 MB larger after the demo seed.
  // One arena a core: no more threads than that run at once anyway. A
  // no-op where tcmalloc is linked (the registry and reporting).
  mallopt(M_ARENA_MAX, std::max(1, static_cast<int>(std::thread::hardware_concurrency())));
  absl::SetProgramUsageMessage(usage);
  absl::SetFlag(&FLAGS_listen, default_listen);
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    std::string env = absl::StrCat("CHITIEU_", absl::AsciiStrToUpper(name));
    if (const char* value = std::getenv(env.c_str()); value != nullptr) {
      std::string error;
      if (!flag->ParseFrom(value, &error)) {
        LogError("bad environment variable", {{"variable", env}, {"error", error}});
        std::exit(2);
      }
    }
  }
  absl::ParseCommandLine(argc, argv);
}

std::string StoreLocation(const std::string& file) {
  const std::string url = absl::GetFlag(FLAGS_database_url);
  if (url.empty()) {
    return DataFilePath(file);
  }
  if (!IsPostgresUrl(url)) {
    LogError("--database_url must be a postgresql:// URL", {{"database_url", url}});
    return "";
  }
  return url;
}

std::string DataFilePath(const std::string& file) {
  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  std::error_code ec;
  const bool created = std::filesystem::create_directories(data_dir, ec);
  if (created) {
    std::filesystem::permissions(data_dir, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace, ec);
  }
  if (ec) {
    LogError("cannot create data_dir", {{"data_dir", data_dir}, {"error", ec.message()}});
    return "";
  }
  return data_dir + "/" + file;
}

}  // namespace chitieu

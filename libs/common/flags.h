#pragma once

// Flags every service shares. Each flag can also be set from the
// environment as CHITIEU_<FLAG IN UPPER CASE> (--listen ↔ CHITIEU_LISTEN);
// a flag given on the command line wins over the environment.

#include <string>

#include "absl/flags/declare.h"

ABSL_DECLARE_FLAG(std::string, listen);
ABSL_DECLARE_FLAG(std::string, data_dir);
ABSL_DECLARE_FLAG(std::string, registry_addr);
ABSL_DECLARE_FLAG(std::string, quota_addr);
ABSL_DECLARE_FLAG(std::string, reporting_addr);
ABSL_DECLARE_FLAG(std::string, port_file);
ABSL_DECLARE_FLAG(std::string, service_secret);
ABSL_DECLARE_FLAG(std::string, database_url);
ABSL_DECLARE_FLAG(int, max_message_bytes);
ABSL_DECLARE_FLAG(int, handler_threads);
ABSL_DECLARE_FLAG(std::string, metrics_listen);
ABSL_DECLARE_FLAG(std::string, metrics_port_file);
ABSL_DECLARE_FLAG(std::string, tls_cert);
ABSL_DECLARE_FLAG(std::string, tls_key);
ABSL_DECLARE_FLAG(std::string, tls_client_ca);
ABSL_DECLARE_FLAG(std::string, peer_ca);
ABSL_DECLARE_FLAG(std::string, peer_cert);
ABSL_DECLARE_FLAG(std::string, peer_server_name);
ABSL_DECLARE_FLAG(std::string, peer_key);

namespace chitieu {

// Default addresses (loopback only; an admin opens them up explicitly).
inline constexpr char kDefaultGatewayAddr[] = "127.0.0.1:7400";
inline constexpr char kDefaultRegistryAddr[] = "127.0.0.1:7401";
inline constexpr char kDefaultQuotaAddr[] = "127.0.0.1:7402";
inline constexpr char kDefaultReportingAddr[] = "127.0.0.1:7403";

// Blocks SIGTERM, SIGINT and SIGHUP in the calling thread and every thread
// it starts later, so that only RunServer's signal thread sees them.
void BlockServerSignals();

// BlockServerSignals, then applies environment overrides and parses the
// command line.
// `default_listen` becomes --listen's default. Call first in main().
void InitService(int argc, char** argv, const char* usage, const char* default_listen);

// Where the service keeps its data: --database_url if set, else `file` in
// --data_dir (see DataFilePath); "" (logged) if neither can be used. The
// URL must be a postgresql:// one: anything else is refused rather than
// taken for a file name.
std::string StoreLocation(const std::string& file);

// Creates --data_dir if needed and returns the path of `file` in it; logs
// and returns "" if the folder cannot be made.
std::string DataFilePath(const std::string& file);

}  // namespace chitieu

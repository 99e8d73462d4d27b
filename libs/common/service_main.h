#pragma once

// What every service's main.cc does the same way, so that main is wiring
// only: open the service's store where the flags say, and start from a
// ServerConfig that listens where they say.

#include <memory>
#include <string>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/status/statusor.h"
#include "libs/common/flags.h"
#include "libs/common/log.h"
#include "libs/common/server.h"

namespace chitieu {

// Opens the service's store with `open` (a store's Open(location), taking
// the location and returning absl::StatusOr<std::unique_ptr<Store>>): on
// PostgreSQL when --database_url names one (replicas may share it), else on
// the SQLite file `file` in --data_dir. Null, with the reason logged, when
// it cannot be opened.
template <typename Open>
auto OpenServiceStore(const std::string& file, Open open) ->
    typename decltype(open(std::string()))::value_type {
  const std::string location = StoreLocation(file);
  if (location.empty()) {
    return nullptr;  // StoreLocation logged why.
  }
  auto store = open(location);
  if (!store.ok()) {
    LogError("cannot open store", {{"file", file}, {"error", store.status().ToString()}});
    return nullptr;
  }
  return std::move(*store);
}

// A ServerConfig for `service_name` ("registry") listening on --listen and
// writing its port to --port_file, serving `service` (not owned), whose
// calls it authorizes under `full_name` ("chitieu.registry.v1.RegistryService").
inline ServerConfig ServiceServerConfig(std::string service_name, grpc::Service* service,
                                        std::string full_name) {
  ServerConfig config;
  config.service_name = std::move(service_name);
  config.listen_address = absl::GetFlag(FLAGS_listen);
  config.port_file = absl::GetFlag(FLAGS_port_file);
  config.services = {service};
  config.authorized_services = {std::move(full_name)};
  return config;
}

}  // namespace chitieu

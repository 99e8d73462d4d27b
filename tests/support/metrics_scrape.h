#pragma once

// Reading a service's Prometheus metrics page, for tests and benchmarks.

#include <httplib.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <string>

namespace chitieu::testing {

// The text of http://127.0.0.1:`port`/metrics; "" if it did not answer 200.
inline std::string ScrapeMetrics(int port) {
  httplib::Client client("127.0.0.1", port);
  auto res = client.Get("/metrics");
  if (!res || res->status != 200) {
    return "";
  }
  return res->body;
}

// The metrics page of the service whose --metrics_port_file is
// `port_file`; "" while the file is not there or the page does not answer.
// (A service writes the file after it starts serving gRPC: remove an old
// one before a restart, and wait for a page that is not "".)
inline std::string ScrapeMetricsAt(const std::string& port_file) {
  int port = 0;
  std::ifstream(port_file) >> port;
  return port > 0 ? ScrapeMetrics(port) : "";
}

// The value of the unlabelled sample `name` in a metrics page; nullopt if
// the page has none.
inline std::optional<double> GaugeValue(const std::string& page, const std::string& name) {
  std::istringstream lines(page);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(name + " ", 0) == 0) {
      return std::stod(line.substr(name.size() + 1));
    }
  }
  return std::nullopt;
}

}  // namespace chitieu::testing

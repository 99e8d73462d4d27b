#pragma once

// The HTTP/1.1 side of chitieu-bench's load generator: `connections`
// keep-alive connections, each a thread sending one request at a time
// (closed loop), as a browser or a REST client reuses its connections, over
// tests/support/raw_http.h (no HTTP library: nothing shared with the
// server).

#include <string>
#include <vector>

#include "bench/load.h"

namespace chitieu::bench {

struct HttpLoadOptions {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string target;                // "/v1/units/002/progress?year=2026".
  std::vector<std::string> headers;  // "Authorization: Bearer k", ...
  int connections = 1;
  double seconds = 5;
  double warmup_seconds = 0.5;
};

// Only 2xx answers count as ok. The result's first_error also says how
// often a connection had to be opened again (the server closed it).
LoadResult RunHttpLoad(const std::string& name, const HttpLoadOptions& options);

}  // namespace chitieu::bench

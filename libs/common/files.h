#pragma once

// Small file helpers: reading a text file whole, and the port files tests
// and supervisors wait on.

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace chitieu {

// The whole text of a file; NOT_FOUND naming it if it cannot be read.
inline absl::StatusOr<std::string> ReadTextFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot read ", path));
  }
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Writes `port` and a newline to `path` through a temporary file and a
// rename, so a reader waiting on the file never sees half of it.
inline void WritePortFile(const std::string& path, int port) {
  const std::string tmp = path + ".tmp";
  std::ofstream(tmp) << port << "\n";
  std::rename(tmp.c_str(), path.c_str());
}

}  // namespace chitieu

#pragma once

// Small file helpers: reading a text file whole, the port files tests
// and supervisors wait on, and making a file or a rename durable.

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
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

// fsync of `path` (a file, or a folder: what a rename in it made lasts);
// UNAVAILABLE naming it and the error otherwise.
inline absl::Status SyncPath(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || fsync(fd) != 0) {
    const std::string why = std::strerror(errno);
    if (fd >= 0) {
      close(fd);
    }
    return absl::UnavailableError(absl::StrCat("cannot sync ", path, ": ", why));
  }
  close(fd);
  return absl::OkStatus();
}

// SyncPath of the folder that holds `path`.
inline absl::Status SyncDirectoryOf(const std::string& path) {
  const std::string dir = std::filesystem::path(path).parent_path().string();
  return SyncPath(dir.empty() ? "." : dir);
}

}  // namespace chitieu

// Reads back the files the API produces (file_readers.h).

#include "tests/support/file_readers.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace chitieu::testing {
namespace {

// `text` as one word for sh.
std::string Quoted(absl::string_view text) {
  return absl::StrCat("'", absl::StrReplaceAll(text, {{"'", "'\\''"}}), "'");
}

// Runs read_file.py on `data` saved in a temporary file; its output.
absl::StatusOr<std::string> ReadBack(const std::string& mode, const std::string& data,
                                     const std::string& extra) {
  // openpyxl goes by the extension.
  std::string path =
      (std::filesystem::temp_directory_path() / absl::StrCat("chitieu-read-XXXXXX.", mode))
          .string();
  const int fd = mkstemps(path.data(), static_cast<int>(mode.size() + 1));
  if (fd < 0) {
    return absl::InternalError("mkstemp");
  }
  {
    std::ofstream out(path, std::ios::binary);
    out << data;
  }
  const std::string command =
      absl::StrCat("/usr/bin/python3 ", Quoted(CHITIEU_SOURCE_DIR "/tests/support/read_file.py"),
                   " ", mode, " ", Quoted(path), " ", Quoted(extra));
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe != nullptr) {
    char buffer[4096];
    size_t n = 0;
    while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) {
      output.append(buffer, n);
    }
  }
  const int status = pipe == nullptr ? -1 : pclose(pipe);
  ::close(fd);
  std::filesystem::remove(path);
  if (status != 0) {
    return absl::InternalError(absl::StrCat(command, " failed (", status, "): ", output));
  }
  return output;
}

}  // namespace

absl::StatusOr<std::string> PdfText(const std::string& pdf, const std::string& png) {
  return ReadBack("pdf", pdf, png);
}

absl::StatusOr<nlohmann::json> WorkbookCells(const std::string& xlsx) {
  auto out = ReadBack("xlsx", xlsx, "");
  if (!out.ok()) {
    return out.status();
  }
  nlohmann::json cells = nlohmann::json::parse(*out, nullptr, /*allow_exceptions=*/false);
  if (cells.is_discarded()) {
    return absl::InternalError(absl::StrCat("read_file.py wrote no JSON: ", *out));
  }
  return cells;
}

int Occurrences(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

}  // namespace chitieu::testing

// libFuzzer target: resource-name parsing (AIP-122) against the patterns
// the services use. An accepted name must give ids of 1 to 63 characters
// of [A-Za-z0-9-], one per variable.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/ascii.h"
#include "libs/common/names.h"

namespace {

void Check(const std::vector<std::string>& ids, size_t expected) {
  if (ids.size() != expected) {
    std::abort();
  }
  for (const auto& id : ids) {
    if (id.empty() || id.size() > 63) {
      std::abort();
    }
    for (char c : id) {
      if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-') {
        std::abort();
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string name(reinterpret_cast<const char*>(data), size);
  if (auto ids =
          chitieu::ParseName("enterprises/{enterprise}/organizations/{organization}", name, "name");
      ids.ok()) {
    Check(*ids, 2);
  }
  if (auto ids = chitieu::ParseName("units/{unit}/targets/{target}", name, "name"); ids.ok()) {
    Check(*ids, 2);
  }
  if (auto id = chitieu::ParseSingleName("units", name, "name"); id.ok()) Check({*id}, 1);
  return 0;
}

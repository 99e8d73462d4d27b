// libFuzzer target: the AIP-160 filter subset every List method parses.
// What it accepts must be at most 16 terms with an operator of = or !=.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "libs/common/filter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string filter(reinterpret_cast<const char*>(data), size);
  auto terms = chitieu::ParseFilter(filter);
  if (!terms.ok()) {
    return 0;
  }
  if (terms->size() > 16) {
    std::abort();
  }
  for (const auto& t : *terms) {
    if (t.op != "=" && t.op != "!=") {
      std::abort();
    }
    if (t.field.empty()) {
      std::abort();
    }
    (void)chitieu::FilterBool(t);
  }
  return 0;
}

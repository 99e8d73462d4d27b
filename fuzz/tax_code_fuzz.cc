// libFuzzer target: the enterprise-code parser (tax codes, AIP field
// violations). Whatever it accepts must be 10 digits with a good check
// digit, or that and "-" and 3 digits (a branch).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/ascii.h"
#include "services/registry/tax_code.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string code(reinterpret_cast<const char*>(data), size);
  if (!chitieu::registry::ValidateEnterpriseCode(code, "enterprise.enterprise_code").ok()) {
    return 0;
  }
  if (code.size() != 10 && code.size() != 14) {
    std::abort();
  }
  for (size_t i = 0; i < code.size(); ++i) {
    const bool dash = code.size() == 14 && i == 10;
    if (dash ? code[i] != '-' : !absl::ascii_isdigit(static_cast<unsigned char>(code[i]))) {
      std::abort();
    }
  }
  return 0;
}

// Vietnamese enterprise codes (tax codes) and their check digit (tax_code.h).

#include "services/registry/tax_code.h"

#include <cstdio>
#include <string>

#include "libs/common/errors.h"

namespace chitieu::registry {
namespace {

constexpr int kWeights[9] = {31, 29, 23, 19, 17, 13, 7, 5, 3};

int WeightedSum(absl::string_view nine) {
  int sum = 0;
  for (int i = 0; i < 9; ++i) {
    sum += (nine[i] - '0') * kWeights[i];
  }
  return sum;
}

bool AllDigits(absl::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

}  // namespace

absl::Status ValidateEnterpriseCode(absl::string_view code, absl::string_view field) {
  const std::string f(field);
  if (code.empty()) {
    return InvalidField(f, "is required");
  }
  absl::string_view main = code;
  if (code.size() == 14) {
    if (code[10] != '-' || !AllDigits(code.substr(11))) {
      return InvalidField(f, "must be 10 digits, or 10 digits, '-' and a 3-digit branch number");
    }
    if (code.substr(11) == "000") {
      return InvalidField(f, "branch number 000 is not issued");
    }
    main = code.substr(0, 10);
  } else if (code.size() != 10) {
    return InvalidField(f, "must be 10 digits, or 10 digits, '-' and a 3-digit branch number");
  }
  if (!AllDigits(main)) {
    return InvalidField(f, "must be 10 digits, or 10 digits, '-' and a 3-digit branch number");
  }
  if (main.substr(2, 7) == "0000000") {
    return InvalidField(f, "digits 3 to 9 must not all be zero");
  }
  const int check = 10 - WeightedSum(main) % 11;
  if (check >= 10) {
    return InvalidField(f, "is not an issuable tax code (its check digit would be 10 or 11)");
  }
  if (main[9] - '0' != check) {
    return InvalidField(f, "has a wrong check digit");
  }
  return absl::OkStatus();
}

std::string MakeEnterpriseCode(int province, int sequence) {
  if (province < 0 || province > 99 || sequence < 1 || sequence > 9999999) {
    return "";
  }
  char buf[11];
  std::snprintf(buf, sizeof(buf), "%02d%07d", province, sequence);
  const int check = 10 - WeightedSum(buf) % 11;
  if (check >= 10) {
    return "";
  }
  buf[9] = static_cast<char>('0' + check);
  buf[10] = '\0';
  return std::string(buf, 10);
}

}  // namespace chitieu::registry

#pragma once

// The enterprise code is the tax code (mã số thuế): 10 digits, or 10 digits
// and a 3-digit branch suffix for a dependent unit, "0314409058-002".
// Digits 1-2: the province of first registration; 3-9: a sequence, not all
// zero; 10: a check digit. With weights 31, 29, 23, 19, 17, 13, 7, 5, 3 on
// digits 1-9, check = 10 - (weighted sum mod 11); a code whose check would
// be 10 or 11 is never issued.

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace chitieu::registry {

// OK for a well-formed code with a correct check digit; INVALID_ARGUMENT
// with a violation on `field` saying what is wrong otherwise.
absl::Status ValidateEnterpriseCode(absl::string_view code, absl::string_view field);

// Returns the 10-digit code for a 2-digit province and a sequence
// (1 to 9,999,999) with its check digit, or "" when that sequence is never
// issued (its check would be 10 or 11). For demo and test data.
std::string MakeEnterpriseCode(int province, int sequence);

}  // namespace chitieu::registry

#pragma once

// Opaque page tokens for keyset pagination (AIP-158). A token carries the
// last key returned and a fingerprint of the request's other parameters, so
// a token is refused with INVALID_ARGUMENT if the caller changes the filter
// between pages or forges one.

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace chitieu {

inline constexpr int kDefaultPageSize = 100;
inline constexpr int kMaxPageSize = 1000;

// Returns the page size to use: default for 0, capped at the maximum;
// INVALID_ARGUMENT on "page_size" for a negative value.
absl::StatusOr<int> EffectivePageSize(int32_t requested);

// A stable fingerprint (FNV-1a) of the parameters a token is bound to.
uint64_t Fingerprint(absl::string_view parameters);

std::string EncodePageToken(absl::string_view last_key, uint64_t fingerprint);

// Returns the last key; "" for an empty token. INVALID_ARGUMENT on
// "page_token" for a token that is malformed or was made for other
// parameters.
absl::StatusOr<std::string> DecodePageToken(absl::string_view token, uint64_t fingerprint);

}  // namespace chitieu

#include <vector>

#include "libs/common/filter.h"

namespace chitieu {

// The common part of every List request, validated: the page size to use,
// the filter's terms, and where the page starts.
struct ListRequest {
  int page_size = kDefaultPageSize;
  std::vector<FilterTerm> terms;
  // The last key of the previous page; "" for the first page.
  std::string after;
  // What the page tokens of this list are bound to.
  uint64_t fingerprint = 0;
};

// Validates page_size, parses the filter and decodes the page token, bound
// to `bound_to` (the collection and every parameter that shapes the list,
// the filter included). INVALID_ARGUMENT naming the field otherwise.
absl::StatusOr<ListRequest> ParseListRequest(int32_t page_size, absl::string_view filter,
                                             absl::string_view page_token,
                                             absl::string_view bound_to);

}  // namespace chitieu

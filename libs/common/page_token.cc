// Page tokens and list requests: size, filter, where the next page starts
// (page_token.h).

#include "libs/common/page_token.h"

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/common/errors.h"
#include "libs/common/status_macros.h"

namespace chitieu {

absl::StatusOr<int> EffectivePageSize(int32_t requested) {
  if (requested < 0) {
    return InvalidField("page_size", "must not be negative");
  }
  if (requested == 0) {
    return kDefaultPageSize;
  }
  return requested > kMaxPageSize ? kMaxPageSize : requested;
}

uint64_t Fingerprint(absl::string_view parameters) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : parameters) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

std::string EncodePageToken(absl::string_view last_key, uint64_t fingerprint) {
  return absl::WebSafeBase64Escape(absl::StrCat("1:", absl::Hex(fingerprint), ":", last_key));
}

absl::StatusOr<std::string> DecodePageToken(absl::string_view token, uint64_t fingerprint) {
  if (token.empty()) {
    return std::string();
  }
  auto bad = [] {
    return InvalidField("page_token", "is not a token this list issued for these parameters");
  };
  std::string raw;
  if (token.size() > 1024 || !absl::WebSafeBase64Unescape(token, &raw)) {
    return bad();
  }
  std::string prefix = absl::StrCat("1:", absl::Hex(fingerprint), ":");
  if (raw.size() <= prefix.size() || raw.compare(0, prefix.size(), prefix) != 0) {
    return bad();
  }
  return raw.substr(prefix.size());
}

}  // namespace chitieu

namespace chitieu {

absl::StatusOr<ListRequest> ParseListRequest(int32_t page_size, absl::string_view filter,
                                             absl::string_view page_token,
                                             absl::string_view bound_to) {
  ListRequest out;
  ASSIGN_OR_RETURN(auto size, EffectivePageSize(page_size));
  out.page_size = size;
  auto terms = ParseFilter(filter);
  if (!terms.ok()) {
    return terms.status();
  }
  out.terms = std::move(*terms);
  out.fingerprint = Fingerprint(bound_to);
  auto after = DecodePageToken(page_token, out.fingerprint);
  if (!after.ok()) {
    return after.status();
  }
  out.after = std::move(*after);
  return out;
}

}  // namespace chitieu

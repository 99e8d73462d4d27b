#pragma once

// Percent-decoding (RFC 3986 §2.1), the one decoder for URL paths and query
// strings at the HTTP edge and for principal names in metadata.

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace chitieu {

// What a '%' not followed by two hex digits does.
enum class MalformedEscape {
  kRefuse,  // The text is refused (nullopt): URLs, where it is an error.
  kKeep,    // It stays as it is: text we encoded ourselves, read leniently.
};

// `text` percent-decoded; with `plus_is_space` (query strings), '+' is a
// space too.
std::optional<std::string> PercentDecode(absl::string_view text, bool plus_is_space,
                                         MalformedEscape malformed);

}  // namespace chitieu

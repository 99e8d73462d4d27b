// Parsing resource names against their patterns (names.h).

#include "libs/common/names.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/common/errors.h"
#include "libs/common/status_macros.h"

namespace chitieu {
namespace {

bool ValidId(absl::string_view id) {
  if (id.empty() || id.size() > 63) {
    return false;
  }
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-') {
      return false;
    }
  }
  return true;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ParseName(absl::string_view pattern,
                                                   absl::string_view name,
                                                   absl::string_view field) {
  std::vector<absl::string_view> want = absl::StrSplit(pattern, '/');
  std::vector<absl::string_view> got = absl::StrSplit(name, '/');
  auto bad = [&] {
    return InvalidField(std::string(field), absl::StrCat("must be a name of the form ", pattern));
  };
  if (name.empty()) {
    return InvalidField(std::string(field), absl::StrCat("is required (", pattern, ")"));
  }
  if (want.size() != got.size()) {
    return bad();
  }
  std::vector<std::string> ids;
  for (size_t i = 0; i < want.size(); ++i) {
    if (!want[i].empty() && want[i].front() == '{') {
      if (!ValidId(got[i])) {
        return bad();
      }
      ids.emplace_back(got[i]);
    } else if (want[i] != got[i]) {
      return bad();
    }
  }
  return ids;
}

absl::StatusOr<std::string> ParseSingleName(absl::string_view collection, absl::string_view name,
                                            absl::string_view field) {
  auto ids = ParseName(absl::StrCat(collection, "/{id}"), name, field);
  if (!ids.ok()) {
    return InvalidField(std::string(field),
                        absl::StrCat("must be a name of the form ", collection, "/{id}"));
  }
  return std::move((*ids)[0]);
}

absl::StatusOr<std::vector<std::string>> ParseNumberedName(absl::string_view pattern,
                                                           absl::string_view name,
                                                           absl::string_view field) {
  ASSIGN_OR_RETURN(auto ids, ParseName(pattern, name, field));
  const std::string& id = ids.back();
  const bool digits = std::all_of(id.begin(), id.end(), [](char c) {
    return absl::ascii_isdigit(static_cast<unsigned char>(c));
  });
  if (id.size() > 18 || !digits) {
    return InvalidField(std::string(field), absl::StrCat("the id of ", name, " must be a number"));
  }
  return ids;
}

}  // namespace chitieu

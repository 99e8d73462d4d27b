#pragma once

// The units with no parent (the provinces), read through the registry's
// ListUnits, local or remote: the policy's "whole system" (policy.h).

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "chitieu/registry/v1/registry.pb.h"
#include "libs/common/status_macros.h"

namespace chitieu {

// Pages through the provinces with `list` (a ListUnits call) and keeps
// those without a parent (only a province may have none).
template <typename ListFn>
absl::StatusOr<std::vector<std::string>> RootUnits(const ListFn& list) {
  std::vector<std::string> roots;
  registry::v1::ListUnitsRequest request;
  request.set_filter("level = UNIT_LEVEL_PROVINCE");
  request.set_page_size(1000);
  for (int page = 0; page < 100; ++page) {
    ASSIGN_OR_RETURN(registry::v1::ListUnitsResponse got, list(request));
    for (const auto& unit : got.units()) {
      if (unit.parent().empty()) {
        roots.push_back(unit.name());
      }
    }
    if (got.next_page_token().empty()) {
      return roots;
    }
    request.set_page_token(got.next_page_token());
  }
  return absl::UnavailableError("too many provinces to list");
}

}  // namespace chitieu

#pragma once

// The two early-return macros for absl::Status and absl::StatusOr that every
// layer below transport uses. Debian's Abseil (20220623) does not ship its
// own, and protobuf's are internal.
//
//   RETURN_IF_ERROR(store->Put(row));                   // returns its error
//   ASSIGN_OR_RETURN(auto unit, tx.GetUnit(code));      // unit is a pb::Unit
//   ASSIGN_OR_RETURN(const std::string code, ParseName(name, "name"));
//
// Both return the status unchanged, so they work in any function (or lambda
// with a declared or deduced absl::Status return) that returns absl::Status
// or absl::StatusOr<T>.

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace chitieu::status_internal {

inline const absl::Status& AsStatus(const absl::Status& status) { return status; }
inline absl::Status AsStatus(absl::Status&& status) { return std::move(status); }
template <typename T>
const absl::Status& AsStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}
template <typename T>
absl::Status AsStatus(absl::StatusOr<T>&& status_or) {
  return std::move(status_or).status();
}

}  // namespace chitieu::status_internal

#define CHITIEU_STATUS_CONCAT_INNER(a, b) a##b
#define CHITIEU_STATUS_CONCAT(a, b) CHITIEU_STATUS_CONCAT_INNER(a, b)

// Evaluates `expr` (an absl::Status, or an absl::StatusOr whose value is
// not needed) and returns its status from the enclosing function if it is
// not OK.
#define RETURN_IF_ERROR(...)                                                            \
  do {                                                                                  \
    ::absl::Status chitieu_status_ = ::chitieu::status_internal::AsStatus(__VA_ARGS__); \
    if (!chitieu_status_.ok()) {                                                        \
      return chitieu_status_;                                                           \
    }                                                                                   \
  } while (false)

// Evaluates `expr` (an absl::StatusOr<T>); returns its status if it is not
// OK, else moves its value into `lhs`, a declaration (`auto x`, `T x`) or an
// existing variable. `lhs` must not contain an unparenthesised comma.
#define ASSIGN_OR_RETURN(lhs, ...)                                                        \
  CHITIEU_ASSIGN_OR_RETURN_IMPL(CHITIEU_STATUS_CONCAT(chitieu_status_or_, __LINE__), lhs, \
                                __VA_ARGS__)

#define CHITIEU_ASSIGN_OR_RETURN_IMPL(status_or, lhs, ...) \
  auto status_or = (__VA_ARGS__);                          \
  if (!status_or.ok()) {                                   \
    return std::move(status_or).status();                  \
  }                                                        \
  lhs = std::move(status_or).value()

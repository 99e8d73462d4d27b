#pragma once

// Helpers for domain code that runs inside a store transaction: running
// one, and paging what it read.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "libs/common/page_token.h"
#include "libs/common/status_macros.h"

namespace chitieu {

namespace internal {
// Runs `fn` through `run` (a store's Transact or View) and returns what it
// produced.
template <typename T, typename Tx, typename Run>
absl::StatusOr<T> Producing(const Run& run, const std::function<absl::StatusOr<T>(Tx&)>& fn) {
  std::optional<absl::StatusOr<T>> result;
  RETURN_IF_ERROR(run([&](Tx& tx) -> absl::Status {
    result = fn(tx);
    return result->status();
  }));
  return std::move(*result);
}
}  // namespace internal

// Runs `fn` in one transaction of `store` and returns what it produced;
// the transaction commits only if `fn` succeeded. `Store` names its
// transaction type `Store::Tx` and has Transact(function of Tx&).
template <typename T, typename Store>
absl::StatusOr<T> InTx(Store* store,
                       const std::function<absl::StatusOr<T>(typename Store::Tx&)>& fn) {
  return internal::Producing<T, typename Store::Tx>(
      [store](const auto& body) { return store->Transact(body); }, fn);
}

// The same for a read: `fn` runs in the store's View, a read-only
// transaction that never waits behind a commit.
template <typename T, typename Store>
absl::StatusOr<T> InView(Store* store,
                         const std::function<absl::StatusOr<T>(typename Store::Tx&)>& fn) {
  return internal::Producing<T, typename Store::Tx>(
      [store](const auto& body) { return store->View(body); }, fn);
}

// Moves at most `page_size` of `items` (read with a limit of page_size + 1)
// into `out`, and sets the next page token when there were more.
template <typename Response, typename Item, typename KeyFn>
void FillPage(Response& response, std::vector<Item>& items, const ListRequest& list, KeyFn key,
              google::protobuf::RepeatedPtrField<Item>* out) {
  if (static_cast<int>(items.size()) > list.page_size) {
    items.resize(list.page_size);
    response.set_next_page_token(EncodePageToken(key(items.back()), list.fingerprint));
  }
  for (auto& item : items) {
    *out->Add() = std::move(item);
  }
}

}  // namespace chitieu

#pragma once

// Idempotent creates and actions (AIP-155): a request carrying a request_id
// is answered once; a retry with the same id and the same request gets the
// first answer again and writes nothing. Also etags (AIP-154).

#include <functional>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "libs/common/errors.h"
#include "libs/common/status_macros.h"
#include "libs/common/transaction.h"

namespace chitieu {

// A stored answer to a call carrying a request_id.
struct StoredRequest {
  std::string method;
  // The request without its request_id, serialised deterministically.
  std::string fingerprint;
  // The serialised response first returned.
  std::string response;
};

// INVALID_ARGUMENT on "request_id" unless it is at most 128 printable ASCII
// characters without spaces (a UUID fits). Empty is allowed.
absl::Status CheckRequestId(const std::string& request_id);

// True for a request id safe to copy into metadata and logs: 1 to 128 of
// letters, digits, '.', '_', ':' and '-' (a UUID, "gw-…").
bool AuditableRequestId(absl::string_view id);

// The request with its `request_id` field cleared, serialised
// deterministically.
std::string RequestFingerprint(const google::protobuf::Message& request);

namespace internal {
// The answer `stored` holds for a call of `method` with `fingerprint`:
// ALREADY_EXISTS (reason REQUEST_ID_REUSED) when the id came with another
// request.
template <typename Response>
absl::StatusOr<Response> StoredAnswer(const StoredRequest& stored, absl::string_view method,
                                      const std::string& fingerprint) {
  if (stored.method != method || stored.fingerprint != fingerprint) {
    return WithReason(
        absl::AlreadyExistsError("request_id was already used for a different request"),
        "REQUEST_ID_REUSED");
  }
  Response first;
  if (!first.ParseFromString(stored.response)) {
    return absl::DataLossError("stored response cannot be parsed");
  }
  return first;
}
}  // namespace internal

// Runs `create` in one transaction of `store` unless `request_id` was seen:
// then returns the first answer again, or ALREADY_EXISTS (reason
// REQUEST_ID_REUSED) if the id came with a different request. `Store` has
// View and Transact over `Store::Tx`, which has GetRequest(id) →
// StatusOr<optional<StoredRequest>> and ClaimRequest(id, r) → Status (the
// id stored, or the transaction failing if it is stored already).
//
// The id is looked up before the transaction, in a read that takes no lock
// (PostgreSQL: READ COMMITTED), and claimed in it by an insert, which on
// PostgreSQL travels with the COMMIT: a SERIALIZABLE transaction that
// looked its id up itself would read the index page every other call
// inserts into (ids mostly increase), and most concurrent calls would fail
// as conflicts. A call that fails while another with its id committed —
// having lost the claim to it, or for any other reason — is rolled back and
// answered from what that one stored.
template <typename Response, typename Store>
absl::StatusOr<Response> Idempotent(
    Store* store, absl::string_view method, const google::protobuf::Message& request,
    const std::string& request_id,
    const std::function<absl::StatusOr<Response>(typename Store::Tx&)>& create) {
  using Tx = typename Store::Tx;
  if (request_id.empty()) {
    return InTx<Response>(store, create);
  }
  const std::string fingerprint = RequestFingerprint(request);
  auto stored = [&] {
    return InView<std::optional<StoredRequest>>(store,
                                                [&](Tx& tx) { return tx.GetRequest(request_id); });
  };
  ASSIGN_OR_RETURN(auto before, stored());
  if (before.has_value()) {
    return internal::StoredAnswer<Response>(*before, method, fingerprint);
  }
  auto result = InTx<Response>(store, [&](Tx& tx) -> absl::StatusOr<Response> {
    ASSIGN_OR_RETURN(auto created, create(tx));
    RETURN_IF_ERROR(tx.ClaimRequest(
        request_id, StoredRequest{std::string(method), fingerprint, created.SerializeAsString()}));
    return created;
  });
  if (result.ok()) {
    return result;
  }
  auto after = stored();
  if (after.ok() && after->has_value()) {
    return internal::StoredAnswer<Response>(**after, method, fingerprint);
  }
  if (!after.ok() && IsInternalFailure(result.status())) {
    // Whether another call with the id won (on PostgreSQL a lost claim
    // fails the COMMIT as a duplicate key) cannot be told now; the
    // lookup's failure says why, and a retry gets the answer.
    return after.status();
  }
  return result;
}

// The etag after `etag` ("v1", "v2", …).
std::string NextEtag(const std::string& etag);

// ABORTED (reason ETAG_MISMATCH) when the caller sent an etag that is not
// the current one; OK when it sent none or the current one.
absl::Status CheckEtag(const std::string& given, const std::string& current);

}  // namespace chitieu

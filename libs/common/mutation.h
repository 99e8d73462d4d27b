#pragma once

// The tail every write of a resource shares, in registry and quota alike:
// stamp the resource (etag and times), put it with the store's own call,
// append its feed entry in the same transaction:
//
//   StampUpdated(unit);
//   RETURN_IF_ERROR(tx.PutUnit(code, unit));
//   RETURN_IF_ERROR(EmitChange(tx, CHANGE_TYPE_UPDATED, &Change::mutable_unit, unit));

#include <utility>

#include "absl/status/status.h"
#include "chitieu/type/v1/types.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/time_util.h"
#include "libs/common/idempotency.h"

namespace chitieu {

// The time a write stamps on create_time, update_time and the like.
inline google::protobuf::Timestamp ProtoNow() {
  return google::protobuf::util::TimeUtil::GetCurrentTime();
}

// Stamps a resource stored for the first time: etag "v1", create_time and
// update_time now.
template <typename Resource>
void StampCreated(Resource& resource) {
  resource.set_etag("v1");
  *resource.mutable_create_time() = ProtoNow();
  *resource.mutable_update_time() = resource.create_time();
}

// Stamps a resource stored again: the next etag (NextEtag), update_time now.
template <typename Resource>
void StampUpdated(Resource& resource) {
  resource.set_etag(NextEtag(resource.etag()));
  *resource.mutable_update_time() = ProtoNow();
}

// Appends to `tx`'s feed one change of `type` carrying `resource` in the
// change's field `field` (e.g. &StreamChangesResponse::mutable_unit).
template <typename Tx, typename Change, typename Resource>
absl::Status EmitChange(Tx& tx, type::v1::ChangeType type, Resource* (Change::*field)(),
                        const Resource& resource) {
  Change change;
  change.set_change_type(type);
  *(change.*field)() = resource;
  return tx.AppendChange(std::move(change));
}

}  // namespace chitieu

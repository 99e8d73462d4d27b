#pragma once

// Several reads of the read model as one state of it. Each read of the
// model is a snapshot of its own, and the feed followers apply batches
// between them; a report that puts figures from one read beside records
// from another (changes since submission, a frozen snapshot) must not mix
// two states. No gRPC.

#include <cstdint>
#include <functional>

#include "absl/status/statusor.h"
#include "services/reporting/reporting_store.h"

namespace chitieu::reporting {

// Where both source feeds stood while a read ran.
struct FeedPositions {
  int64_t registry = 0;
  int64_t quota = 0;
};

// Runs `read` between two readings of both feed cursors, and again (from
// the start: `read` must replace what an earlier attempt left) while the
// cursors moved in between. The first attempt holds nothing; the next ones
// run while this process applies no batch (ReportingStore::
// WithoutApplying), so that only another process sharing the model
// (PostgreSQL replicas) can move them. Each batch and its cursor commit
// together, so an attempt whose cursors held read the model at those
// positions, whatever the isolation of each read. Returns the positions;
// `read`'s error as it is; UNAVAILABLE when the model moved during every
// one of `attempts`.
absl::StatusOr<FeedPositions> ReadAtRest(ReportingStore& model,
                                         const std::function<absl::Status()>& read,
                                         int attempts = 20);

}  // namespace chitieu::reporting

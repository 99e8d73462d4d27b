#pragma once

// Storage layer of the quota service: an interface the domain calls inside
// one transaction at a time, and the change feed. Implemented once for
// SQLite and PostgreSQL in quota_store_sql.h.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "chitieu/quota/v1/quota.pb.h"
#include "libs/common/idempotency.h"
#include "libs/common/sql.h"

namespace chitieu::quota {

namespace pb = ::chitieu::quota::v1;

struct TargetQuery {
  std::optional<std::string> unit;  // The parent unit code.
  std::optional<int> year;
  std::optional<int> indicator;
  std::optional<std::string> assigner;       // A unit name.
  std::optional<std::string> assignee;       // A unit or body name.
  std::optional<std::string> parent_target;  // A target name.
  std::string after_id;
  int limit = 100;
};

class QuotaTx {
 public:
  virtual ~QuotaTx() = default;

  // NOT_FOUND if absent. Targets are keyed by their id (the last segment of
  // their name); ids are unique across units.
  virtual absl::StatusOr<pb::Target> GetTarget(const std::string& id) = 0;
  // The target of (year, indicator, assigner, assignee), if any.
  virtual absl::StatusOr<std::optional<pb::Target>> FindTarget(int year, int indicator,
                                                               const std::string& assigner,
                                                               const std::string& assignee) = 0;
  virtual absl::Status PutTarget(const std::string& id, const pb::Target& target) = 0;
  // Ordered by id as a number.
  virtual absl::StatusOr<std::vector<pb::Target>> ListTargets(const TargetQuery& query) = 0;

  virtual absl::Status AddRevision(const std::string& target_id,
                                   const pb::TargetRevision& revision) = 0;
  // Oldest first, starting after index `after` (0: from the first).
  virtual absl::StatusOr<std::vector<pb::TargetRevision>> ListRevisions(
      const std::string& target_id, int64_t after, int limit) = 0;

  virtual absl::StatusOr<std::optional<pb::FoundingThresholds>> GetThresholds(int year) = 0;
  virtual absl::Status PutThresholds(int year, const pb::FoundingThresholds& t) = 0;

  virtual absl::StatusOr<pb::Plan> GetPlan(const std::string& unit, const std::string& id) = 0;
  virtual absl::Status PutPlan(const std::string& unit, const std::string& id,
                               const pb::Plan& plan) = 0;
  virtual absl::StatusOr<std::vector<pb::Plan>> ListPlans(const std::string& unit, int64_t after_id,
                                                          int limit) = 0;

  virtual absl::StatusOr<int64_t> NextId(const std::string& counter) = 0;
  virtual absl::StatusOr<std::optional<StoredRequest>> GetRequest(
      const std::string& request_id) = 0;
  virtual absl::Status ClaimRequest(const std::string& request_id, const StoredRequest& r) = 0;
  virtual absl::Status AppendChange(pb::StreamChangesResponse change) = 0;
};

class QuotaStore {
 public:
  using Tx = QuotaTx;  // for InTx (libs/common/transaction.h)

  virtual ~QuotaStore() = default;
  // Runs `body` in one transaction, committed durably only if it returns OK.
  virtual absl::Status Transact(const std::function<absl::Status(QuotaTx&)>& body) = 0;
  // Runs `body` as a read-only transaction (one snapshot) beside the
  // writers: a read never waits behind a commit. Writes in it fail.
  virtual absl::Status View(const std::function<absl::Status(QuotaTx&)>& body) = 0;
  virtual absl::StatusOr<std::vector<pb::StreamChangesResponse>> ReadChanges(int64_t after,
                                                                             int limit) = 0;
  // The same as stored, unparsed (the sequence beside the bytes).
  virtual absl::StatusOr<std::vector<StoredChange>> ReadStoredChanges(int64_t after, int limit) = 0;
  virtual absl::StatusOr<int64_t> LastSequence() = 0;
};

}  // namespace chitieu::quota

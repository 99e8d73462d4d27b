#pragma once

// Storage layer of report approvals: the state of each unit's report for a
// year, its transitions, the city's due dates, and their change feed. This
// is source data, not part of the read model: it lives in a database of its
// own (approvals.db, or --approvals_database_url) that --rebuild never
// touches and that is backed up with the registry's and quota's.
// Implemented once for SQLite and PostgreSQL in approval_store_sql.h.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "chitieu/reporting/v1/reporting.pb.h"
#include "libs/common/idempotency.h"

namespace chitieu::reporting {

class ApprovalTx {
 public:
  virtual ~ApprovalTx() = default;

  // The stored report of a unit (by code) for a year; nullopt if nobody
  // has acted on it yet.
  virtual absl::StatusOr<std::optional<v1::Report>> GetReport(const std::string& unit_code,
                                                              int year) = 0;
  virtual absl::Status PutReport(const std::string& unit_code, int year,
                                 const v1::Report& report) = 0;
  // Every stored report of a year.
  virtual absl::StatusOr<std::vector<v1::Report>> ReportsOfYear(int year) = 0;

  virtual absl::Status AddTransition(const std::string& unit_code, int year,
                                     const v1::ReportTransition& transition) = 0;
  // Oldest first.
  virtual absl::StatusOr<std::vector<v1::ReportTransition>> Transitions(
      const std::string& unit_code, int year) = 0;

  virtual absl::StatusOr<std::optional<v1::ReportDeadline>> GetDeadline(int year) = 0;
  virtual absl::Status PutDeadline(const v1::ReportDeadline& deadline) = 0;

  virtual absl::StatusOr<int64_t> NextId(const std::string& counter) = 0;
  virtual absl::StatusOr<std::optional<StoredRequest>> GetRequest(
      const std::string& request_id) = 0;
  virtual absl::Status ClaimRequest(const std::string& request_id, const StoredRequest& r) = 0;
  virtual absl::Status AppendChange(v1::StreamChangesResponse change) = 0;
};

class ApprovalStore {
 public:
  using Tx = ApprovalTx;  // for InTx (libs/common/transaction.h)

  virtual ~ApprovalStore() = default;
  // Runs `body` in one transaction, committed durably only if it returns OK.
  virtual absl::Status Transact(const std::function<absl::Status(ApprovalTx&)>& body) = 0;
  // Runs `body` as a read-only transaction (one snapshot) beside the
  // writers: a read never waits behind a commit. Writes in it fail.
  virtual absl::Status View(const std::function<absl::Status(ApprovalTx&)>& body) = 0;
  virtual absl::StatusOr<std::vector<v1::StreamChangesResponse>> ReadChanges(int64_t after,
                                                                             int limit) = 0;
  virtual absl::StatusOr<int64_t> LastSequence() = 0;
};

}  // namespace chitieu::reporting

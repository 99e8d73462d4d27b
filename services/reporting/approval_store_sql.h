#pragma once

// The SQL implementation of ApprovalStore (approval_store.h), on SQLite or
// PostgreSQL.

#include <memory>
#include <string>

#include "libs/common/feed.h"
#include "libs/common/sql_store.h"
#include "services/reporting/approval_store.h"

namespace chitieu::reporting {

// Approvals in one SQLite file (WAL, synchronous=FULL: source data, every
// commit durable) or a PostgreSQL database of their own, which reporting
// replicas may share; the same statements on both (sql.h).
class SqlApprovalStore : public ApprovalStore {
 public:
  // `location`: a SQLite path (":memory:" for tests) or a postgresql:// URL.
  // Migrates and primes `notifier`, which must outlive the store.
  static absl::StatusOr<std::unique_ptr<SqlApprovalStore>> Open(const std::string& location,
                                                                ChangeNotifier* notifier);

  absl::Status Transact(const std::function<absl::Status(ApprovalTx&)>& body) override;
  absl::Status View(const std::function<absl::Status(ApprovalTx&)>& body) override;
  absl::StatusOr<std::vector<v1::StreamChangesResponse>> ReadChanges(int64_t after,
                                                                     int limit) override;
  absl::StatusOr<int64_t> LastSequence() override { return core_->LastSequence(); }

 private:
  explicit SqlApprovalStore(std::unique_ptr<SqlStoreCore> core) : core_(std::move(core)) {}
  std::unique_ptr<SqlStoreCore> core_;
};

}  // namespace chitieu::reporting

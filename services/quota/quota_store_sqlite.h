#pragma once

#include <memory>
#include <string>

#include "libs/common/sqlite_store.h"
#include "services/quota/quota_store.h"

namespace chitieu::quota {

// The quota service's store in one SQLite database (WAL, synchronous=FULL),
// over the shared SqliteStoreCore.
class SqliteQuotaStore : public QuotaStore {
 public:
  // Opens `path` (":memory:" for tests), migrates, primes `notifier`.
  static absl::StatusOr<std::unique_ptr<SqliteQuotaStore>> Open(const std::string& path,
                                                                ChangeNotifier* notifier);

  absl::Status Transact(const std::function<absl::Status(QuotaTx&)>& body) override;
  absl::StatusOr<std::vector<pb::StreamChangesResponse>> ReadChanges(int64_t after,
                                                                     int limit) override;
  absl::StatusOr<int64_t> LastSequence() override { return core_->LastSequence(); }

 private:
  explicit SqliteQuotaStore(std::unique_ptr<SqliteStoreCore> core) : core_(std::move(core)) {}
  std::unique_ptr<SqliteStoreCore> core_;
};

}  // namespace chitieu::quota

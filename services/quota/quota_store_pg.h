#pragma once

#include <memory>
#include <string>

#include "libs/common/pg_store.h"
#include "services/quota/quota_store.h"

namespace chitieu::quota {

// The quota service's store in PostgreSQL (--database_url), over the shared
// PgStoreCore: several quota replicas may share one database.
class PgQuotaStore : public QuotaStore {
 public:
  // Connects to `url`, migrates, primes `notifier`.
  static absl::StatusOr<std::unique_ptr<PgQuotaStore>> Open(const std::string& url,
                                                            ChangeNotifier* notifier);

  absl::Status Transact(const std::function<absl::Status(QuotaTx&)>& body) override;
  absl::StatusOr<std::vector<pb::StreamChangesResponse>> ReadChanges(int64_t after,
                                                                     int limit) override;
  absl::StatusOr<int64_t> LastSequence() override { return core_->LastSequence(); }

 private:
  explicit PgQuotaStore(std::unique_ptr<PgStoreCore> core) : core_(std::move(core)) {}
  std::unique_ptr<PgStoreCore> core_;
};

}  // namespace chitieu::quota

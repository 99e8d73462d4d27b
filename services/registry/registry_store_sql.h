#pragma once

// The SQL implementation of RegistryStore (registry_store.h), on SQLite or
// PostgreSQL.

#include <memory>
#include <string>

#include "libs/common/feed.h"
#include "libs/common/sql_store.h"
#include "services/registry/registry_store.h"

namespace chitieu::registry {

// The registry's store: one SQLite file (WAL, synchronous=FULL) or a
// PostgreSQL database that several registry replicas may share; the same
// statements on both (sql.h).
class SqlRegistryStore : public RegistryStore {
 public:
  // `location`: a SQLite path (":memory:" for tests) or a postgresql:// URL.
  // Applies migrations and primes `notifier`, which must outlive the store.
  static absl::StatusOr<std::unique_ptr<SqlRegistryStore>> Open(const std::string& location,
                                                                ChangeNotifier* notifier);

  absl::Status Transact(const std::function<absl::Status(RegistryTx&)>& body) override;
  absl::Status TransactBatch(const std::function<absl::Status(RegistryTx&)>& body) override;
  void AwaitFeed() override { core_->AwaitFeed(); }
  absl::Status View(const std::function<absl::Status(RegistryTx&)>& body) override;
  absl::StatusOr<std::vector<pb::StreamChangesResponse>> ReadChanges(int64_t after,
                                                                     int limit) override;
  absl::StatusOr<std::vector<StoredChange>> ReadStoredChanges(int64_t after, int limit) override {
    return core_->ReadChanges(after, limit);
  }
  absl::StatusOr<int64_t> LastSequence() override { return core_->LastSequence(); }

 private:
  explicit SqlRegistryStore(std::unique_ptr<SqlStoreCore> core) : core_(std::move(core)) {}
  std::unique_ptr<SqlStoreCore> core_;
};

}  // namespace chitieu::registry

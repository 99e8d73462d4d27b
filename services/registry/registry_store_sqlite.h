#pragma once

#include <memory>
#include <string>

#include "libs/common/sqlite_store.h"
#include "services/registry/registry_store.h"

namespace chitieu::registry {

// The registry's store in one SQLite database (WAL, synchronous=FULL),
// over the shared SqliteStoreCore.
class SqliteRegistryStore : public RegistryStore {
 public:
  // Opens `path` (":memory:" for tests), applies migrations, and primes
  // `notifier` with the last committed sequence. `notifier` must outlive
  // the store.
  static absl::StatusOr<std::unique_ptr<SqliteRegistryStore>> Open(const std::string& path,
                                                                   ChangeNotifier* notifier);

  absl::Status Transact(const std::function<absl::Status(RegistryTx&)>& body) override;
  absl::StatusOr<std::vector<pb::StreamChangesResponse>> ReadChanges(int64_t after,
                                                                     int limit) override;
  absl::StatusOr<int64_t> LastSequence() override { return core_->LastSequence(); }

 private:
  explicit SqliteRegistryStore(std::unique_ptr<SqliteStoreCore> core) : core_(std::move(core)) {}
  std::unique_ptr<SqliteStoreCore> core_;
};

}  // namespace chitieu::registry

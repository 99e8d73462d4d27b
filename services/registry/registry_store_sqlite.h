#pragma once

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "libs/common/feed.h"
#include "libs/common/sqlite.h"
#include "services/registry/registry_store.h"

namespace chitieu::registry {

// The registry's store in one SQLite database (WAL, synchronous=FULL).
// Transactions are serialised by a mutex over one connection; each commits
// durably before Transact returns.
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
  absl::StatusOr<int64_t> LastSequence() override;

 private:
  SqliteRegistryStore(std::unique_ptr<SqliteDb> db, ChangeNotifier* notifier)
      : db_(std::move(db)), notifier_(notifier) {}

  absl::Mutex mu_;
  std::unique_ptr<SqliteDb> db_ ABSL_GUARDED_BY(mu_);
  ChangeNotifier* notifier_;
};

}  // namespace chitieu::registry

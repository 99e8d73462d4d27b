#pragma once

// What every service's SQLite store does the same way: one connection in
// WAL mode, migrations at open, transactions serialised by a mutex and
// committed durably, the change feed appended in the same transaction, and
// feed followers notified after the commit (outside the lock).

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "libs/common/feed.h"
#include "libs/common/sql.h"
#include "libs/common/sqlite.h"
#include "libs/common/sqlite_outbox.h"

namespace chitieu {

class SqliteStoreCore : public SqlStoreCore {
 public:
  // Opens `path` (":memory:" for tests), applies `migrations`, and primes
  // `notifier` (if any; it must outlive the core) with the last sequence.
  // `durable`: see SqliteDb::Open.
  static absl::StatusOr<std::unique_ptr<SqliteStoreCore>> Open(
      const std::string& path, const std::vector<std::string>& migrations,
      ChangeNotifier* notifier, bool durable = true);

  // In BEGIN IMMEDIATE … COMMIT; rolled back unless `body` returns OK.
  absl::Status Transact(const std::function<absl::Status(SqlSession&, ChangeLog&)>& body) override;
  absl::Status Read(const std::function<absl::Status(SqlSession&)>& body) override;
  absl::StatusOr<std::vector<std::string>> ReadChanges(int64_t after, int limit) override;
  absl::StatusOr<int64_t> LastSequence() override;

 private:
  SqliteStoreCore(std::unique_ptr<SqliteDb> db, ChangeNotifier* notifier)
      : db_(std::move(db)), notifier_(notifier) {}

  absl::Mutex mu_;
  std::unique_ptr<SqliteDb> db_ ABSL_GUARDED_BY(mu_);
  ChangeNotifier* notifier_;
};

}  // namespace chitieu

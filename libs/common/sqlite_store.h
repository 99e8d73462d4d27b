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
#include "libs/common/sqlite.h"
#include "libs/common/sqlite_outbox.h"

namespace chitieu {

class SqliteStoreCore {
 public:
  // Opens `path` (":memory:" for tests), applies `migrations`, and primes
  // `notifier` (which must outlive the core) with the last sequence.
  static absl::StatusOr<std::unique_ptr<SqliteStoreCore>> Open(
      const std::string& path, const std::vector<std::string>& migrations,
      ChangeNotifier* notifier);

  // Runs `body` in BEGIN IMMEDIATE … COMMIT; rolls back unless it returns OK.
  absl::Status Transact(const std::function<absl::Status(SqliteDb&, SqliteChangeAppender&)>& body);

  // The serialised changes after `after`, in order.
  absl::StatusOr<std::vector<std::string>> ReadChanges(int64_t after, int limit);
  absl::StatusOr<int64_t> LastSequence();

 private:
  SqliteStoreCore(std::unique_ptr<SqliteDb> db, ChangeNotifier* notifier)
      : db_(std::move(db)), notifier_(notifier) {}

  absl::Mutex mu_;
  std::unique_ptr<SqliteDb> db_ ABSL_GUARDED_BY(mu_);
  ChangeNotifier* notifier_;
};

// Parses serialised changes; DATA_LOSS if one does not parse.
template <typename Change>
absl::StatusOr<std::vector<Change>> ParseChanges(const std::vector<std::string>& rows) {
  std::vector<Change> out(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    if (!out[i].ParseFromString(rows[i])) {
      return absl::DataLossError("a stored change cannot be parsed");
    }
  }
  return out;
}

}  // namespace chitieu

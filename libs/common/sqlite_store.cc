#include "libs/common/sqlite_store.h"

namespace chitieu {

absl::StatusOr<std::unique_ptr<SqliteStoreCore>> SqliteStoreCore::Open(
    const std::string& path, const std::vector<std::string>& migrations, ChangeNotifier* notifier,
    bool durable) {
  auto db = SqliteDb::Open(path, durable);
  if (!db.ok()) return db.status();
  if (auto s = (*db)->Migrate(migrations); !s.ok()) return s;
  std::unique_ptr<SqliteStoreCore> core(new SqliteStoreCore(std::move(*db), notifier));
  if (notifier != nullptr) {
    auto last = core->LastSequence();
    if (!last.ok()) return last.status();
    notifier->Notify(*last);
  }
  return core;
}

absl::Status SqliteStoreCore::Transact(
    const std::function<absl::Status(SqlSession&, ChangeLog&)>& body) {
  int64_t notify_up_to = 0;
  {
    absl::MutexLock lock(&mu_);
    SqliteChangeAppender changes(*db_);
    absl::Status status = db_->InTransaction([&] { return body(*db_, changes); });
    if (!status.ok()) return status;
    notify_up_to = changes.last_appended();
  }
  // Outside the lock: woken followers read the store.
  if (notify_up_to > 0 && notifier_ != nullptr) notifier_->Notify(notify_up_to);
  return absl::OkStatus();
}

absl::Status SqliteStoreCore::Read(const std::function<absl::Status(SqlSession&)>& body) {
  absl::MutexLock lock(&mu_);
  return body(*db_);
}

absl::StatusOr<std::vector<std::string>> SqliteStoreCore::ReadChanges(int64_t after, int limit) {
  absl::MutexLock lock(&mu_);
  return SqliteReadChanges(*db_, after, limit);
}

absl::StatusOr<int64_t> SqliteStoreCore::LastSequence() {
  absl::MutexLock lock(&mu_);
  return SqliteLastSequence(*db_);
}

}  // namespace chitieu

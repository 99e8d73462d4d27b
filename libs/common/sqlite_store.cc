// The SQLite store core with group commit (sqlite_store.h).

#include "libs/common/sqlite_store.h"

#include "libs/common/status_macros.h"

namespace chitieu {

absl::StatusOr<std::unique_ptr<SqliteStoreCore>> SqliteStoreCore::Open(
    const std::string& path, const std::vector<std::string>& migrations, ChangeNotifier* notifier,
    bool durable) {
  ASSIGN_OR_RETURN(auto db, SqliteDb::Open(path, durable));
  RETURN_IF_ERROR(db->Migrate(migrations));
  std::unique_ptr<SqliteStoreCore> core(new SqliteStoreCore(std::move(db), notifier));
  if (notifier != nullptr) {
    ASSIGN_OR_RETURN(auto last, core->LastSequence());
    notifier->Notify(last);
  }
  return core;
}

absl::Status SqliteStoreCore::Transact(
    const std::function<absl::Status(SqlSession&, ChangeLog&)>& body) {
  Pending me{&body};
  {
    absl::MutexLock queued(&queue_mu_);
    queue_.push_back(&me);
  }
  {
    absl::MutexLock lock(&mu_);
    // Unless a group that took it has settled it already, run what waits.
    if (!me.done) {
      std::vector<Pending*> group;
      {
        absl::MutexLock queued(&queue_mu_);
        group.swap(queue_);
      }
      RunGroup(group);
    }
  }
  if (!me.status.ok()) {
    return me.status;
  }
  // Outside the lock: woken followers read the store.
  if (me.last_appended > 0 && notifier_ != nullptr) {
    notifier_->Notify(me.last_appended);
  }
  return absl::OkStatus();
}

void SqliteStoreCore::RunGroup(const std::vector<Pending*>& group) {
  auto settle = [&](Pending* p, absl::Status s, int64_t last) {
    p->status = std::move(s);
    p->last_appended = p->status.ok() ? last : 0;
    p->done = true;
  };
  if (group.size() == 1) {
    SqliteChangeAppender changes(*db_);
    absl::Status s = db_->InTransaction([&] { return (*group[0]->body)(*db_, changes); });
    settle(group[0], s, changes.last_appended());
    return;
  }
  std::vector<int64_t> last(group.size(), 0);
  absl::Status s = db_->InTransaction([&]() -> absl::Status {
    for (size_t i = 0; i < group.size(); ++i) {
      RETURN_IF_ERROR(db_->Exec("SAVEPOINT grouped"));
      SqliteChangeAppender changes(*db_);
      group[i]->status = (*group[i]->body)(*db_, changes);
      if (group[i]->status.ok()) {
        last[i] = changes.last_appended();
      } else if (auto undone = db_->Exec("ROLLBACK TO grouped"); !undone.ok()) {
        return undone;
      }
      RETURN_IF_ERROR(db_->Exec("RELEASE grouped"));
    }
    return absl::OkStatus();
  });
  for (size_t i = 0; i < group.size(); ++i) {
    // A failed commit fails every member; otherwise each has its own outcome.
    settle(group[i], s.ok() ? group[i]->status : s, last[i]);
  }
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

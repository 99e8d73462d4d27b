// The SQLite store core with group commit (sqlite_store.h).

#include "libs/common/sqlite_store.h"

#include <algorithm>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "libs/common/status_macros.h"

ABSL_FLAG(int, sqlite_readers, -1,
          "SQLite connections each store reads on beside its writer (-1: one a core, at least two; "
          "0: reads "
          "share the writer's connection, as before issue 20, for comparison)");

namespace chitieu {

absl::StatusOr<std::unique_ptr<SqliteStoreCore>> SqliteStoreCore::Open(
    const std::string& path, const std::vector<std::string>& migrations, ChangeNotifier* notifier,
    bool durable) {
  ASSIGN_OR_RETURN(auto db, SqliteDb::Open(path, durable));
  RETURN_IF_ERROR(db->Migrate(migrations));
  std::unique_ptr<ConnectionPool<SqliteDb>> readers;
  int readers_size = absl::GetFlag(FLAGS_sqlite_readers);
  if (readers_size < 0) {
    // One a core: more readers than cores only wait for a core, and each
    // keeps a cache of its own (measured: four added ~4 MB to an idle
    // registry).
    readers_size = std::max(2, static_cast<int>(std::thread::hardware_concurrency()));
  }
  if (path != ":memory:" && readers_size > 0) {
    ASSIGN_OR_RETURN(readers, ConnectionPool<SqliteDb>::Open(
                                  [path, durable]() -> absl::StatusOr<std::unique_ptr<SqliteDb>> {
                                    ASSIGN_OR_RETURN(auto reader, SqliteDb::Open(path, durable));
                                    RETURN_IF_ERROR(reader->Exec("PRAGMA query_only=ON"));
                                    // A small cache each (512 KiB, not
                                    // 2 MiB): the OS caches the file for
                                    // all of them.
                                    RETURN_IF_ERROR(reader->Exec("PRAGMA cache_size=-512"));
                                    return reader;
                                  },
                                  readers_size));
  }
  std::unique_ptr<SqliteStoreCore> core(
      new SqliteStoreCore(std::move(db), notifier, std::move(readers)));
  if (notifier != nullptr) {
    ASSIGN_OR_RETURN(auto last, core->LastSequence());
    notifier->Notify(last);
  }
  return core;
}

absl::StatusOr<std::unique_ptr<SqliteStoreCore>> SqliteStoreCore::OpenUnjournaled(
    const std::string& path, const std::vector<std::string>& migrations) {
  ASSIGN_OR_RETURN(auto db, SqliteDb::Open(path, /*durable=*/false));
  for (const std::string& pragma :
       {std::string("PRAGMA journal_mode=OFF"), std::string("PRAGMA synchronous=OFF"),
        std::string("PRAGMA locking_mode=EXCLUSIVE"),
        absl::StrCat("PRAGMA cache_size=", kBuildCacheSize)}) {
    RETURN_IF_ERROR(db->Exec(pragma));
  }
  RETURN_IF_ERROR(db->Migrate(migrations));
  return std::unique_ptr<SqliteStoreCore>(new SqliteStoreCore(std::move(db), nullptr, nullptr));
}

absl::Status SqliteStoreCore::OnWriter(const std::function<absl::Status(SqliteDb&)>& body) {
  absl::MutexLock lock(&mu_);
  return db_->InTransaction([&] { return body(*db_); });
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
  return ReadOn([&](SqliteDb& db) { return body(db); });
}

absl::Status SqliteStoreCore::ReadOn(const std::function<absl::Status(SqliteDb&)>& body) {
  if (readers_ == nullptr) {
    absl::MutexLock lock(&mu_);
    return body(*db_);
  }
  ASSIGN_OR_RETURN(auto db, readers_->Acquire());
  // One snapshot for every statement (cached statements: a read is a few
  // microseconds, and BEGIN parsed each time cost more than some reads).
  RETURN_IF_ERROR(db->Run("BEGIN"));
  absl::Status s = body(*db);
  absl::Status ended = db->Run("COMMIT");
  if (!ended.ok()) {
    (void)db->Run("ROLLBACK");  // Never back to the pool inside a transaction.
  }
  return s.ok() ? ended : s;
}

absl::StatusOr<std::vector<StoredChange>> SqliteStoreCore::ReadChanges(int64_t after, int limit) {
  std::vector<StoredChange> out;
  RETURN_IF_ERROR(ReadOn([&](SqliteDb& db) -> absl::Status {
    ASSIGN_OR_RETURN(out, SqliteReadChanges(db, after, limit));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<int64_t> SqliteStoreCore::LastSequence() {
  int64_t last = 0;
  RETURN_IF_ERROR(ReadOn([&](SqliteDb& db) -> absl::Status {
    ASSIGN_OR_RETURN(last, SqliteLastSequence(db));
    return absl::OkStatus();
  }));
  return last;
}

}  // namespace chitieu

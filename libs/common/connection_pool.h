#pragma once

// A pool of database connections of one kind (PgDb for a PostgreSQL store,
// SqliteDb for a SQLite store's readers): callers each get a connection of
// their own for as long as they hold the lease. Connections are opened
// when first needed, up to the pool's size, so an idle store keeps one;
// one handed back is passed to `on_release` first (to reconnect a broken
// one).

#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "libs/common/status_macros.h"

namespace chitieu {

template <typename Db>
class ConnectionPool {
 public:
  using Opener = std::function<absl::StatusOr<std::unique_ptr<Db>>()>;

  // Opens the first connection at once (so a wrong location fails at start).
  static absl::StatusOr<std::unique_ptr<ConnectionPool>> Open(
      Opener open, int size, std::function<void(Db&)> on_release = nullptr) {
    ASSIGN_OR_RETURN(auto first, open());
    std::unique_ptr<ConnectionPool> pool(
        new ConnectionPool(std::move(open), size < 1 ? 1 : size, std::move(on_release)));
    absl::MutexLock lock(&pool->mu_);
    pool->idle_.push_back(std::move(first));
    pool->open_ = 1;
    return pool;
  }

  class Lease {
   public:
    Lease(ConnectionPool* pool, std::unique_ptr<Db> db) : pool_(pool), db_(std::move(db)) {}
    Lease(Lease&&) = default;
    ~Lease() {
      if (db_ != nullptr) {
        pool_->Release(std::move(db_));
      }
    }
    Db& operator*() const { return *db_; }
    Db* operator->() const { return db_.get(); }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<Db> db_;
  };

  // Waits for a free connection, opening one if fewer than the size are.
  absl::StatusOr<Lease> Acquire() {
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &ConnectionPool::CanLend));
      if (!idle_.empty()) {
        auto db = std::move(idle_.back());
        idle_.pop_back();
        return Lease(this, std::move(db));
      }
      ++open_;  // Reserved while connecting, outside the lock.
    }
    auto db = open_db_();
    if (!db.ok()) {
      absl::MutexLock lock(&mu_);
      --open_;
      if (open_ == 0) {
        return db.status();
      }
      // The server refuses more (max_connections): wait for one of ours.
      mu_.Await(absl::Condition(this, &ConnectionPool::HasIdle));
      auto idle = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(idle));
    }
    return Lease(this, *std::move(db));
  }

  // A connection of the caller's own, outside the pool.
  absl::StatusOr<std::unique_ptr<Db>> Connect() const { return open_db_(); }
  int size() const { return size_; }

 private:
  ConnectionPool(Opener open, int size, std::function<void(Db&)> on_release)
      : open_db_(std::move(open)), size_(size), on_release_(std::move(on_release)) {}

  bool HasIdle() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !idle_.empty(); }
  bool CanLend() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !idle_.empty() || open_ < size_;
  }

  void Release(std::unique_ptr<Db> db) {
    if (on_release_) {
      on_release_(*db);
    }
    absl::MutexLock lock(&mu_);
    idle_.push_back(std::move(db));
  }

  const Opener open_db_;
  const int size_;
  const std::function<void(Db&)> on_release_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<Db>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;  // Idle or lent.
};

}  // namespace chitieu

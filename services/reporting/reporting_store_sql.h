#pragma once

// The SQL implementation of ReportingStore (reporting_store.h), on SQLite or
// PostgreSQL.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "libs/common/sql_store.h"
#include "libs/common/sqlite_store.h"
#include "services/reporting/reporting_store.h"

namespace chitieu::reporting {

// The read model in one SQLite file or a PostgreSQL database; the same
// statements on both (sql.h). It can be rebuilt from the feeds, so SQLite
// runs it with synchronous=NORMAL: a crash may lose the last batches,
// never part of one, and their cursor goes back with them. Several
// reporting replicas may share one PostgreSQL model: a batch is applied in
// a SERIALIZABLE transaction that checks the cursor, so when two replicas
// apply the same batch one of them retries, finds it applied, and skips it.
class SqlReportingStore : public ReportingStore {
 public:
  // `location`: a SQLite path (":memory:" for tests) or a postgresql:// URL.
  static absl::StatusOr<std::unique_ptr<SqlReportingStore>> Open(const std::string& location);
  // A fresh model in the SQLite file `path`, to be built by one writer and
  // swapped in (SwapIn) or thrown away: SqliteStoreCore::OpenUnjournaled,
  // without its secondary indexes and count triggers (each change costs a
  // row and its key, not every index and a count), until FinishBuild.
  static absl::StatusOr<std::unique_ptr<SqlReportingStore>> OpenToBuild(const std::string& path);
  // For a store of OpenToBuild: counts what the triggers would have,
  // creates its indexes from the rows and puts the triggers back,
  // so that what is applied after it is applied as in any model.
  absl::Status FinishBuild();

  // Where the model is: the SQLite path or PostgreSQL URL it was opened at.
  const std::string& location() const { return location_; }
  // True if the model is a SQLite file, which SwapIn can replace.
  bool Swappable() const;
  // Replaces this model with the SQLite file `built`, atomically for its
  // readers and writers: they wait while it runs. Under that wait it runs
  // `finish(registry, quota)` with this model's cursors (the builder's last
  // catch-up, to at least those positions, which must also close `built`),
  // closes this model, renames `built` over it and opens it. A crash at any
  // point leaves either the old file or the new one whole. `finish`'s error
  // as it is, with this model unchanged; FAILED_PRECONDITION, with this
  // model reopened unchanged, if its WAL was left with pages in it (another
  // process has it open); INTERNAL if the rename fails (likewise).
  absl::Status SwapIn(const std::string& built,
                      const std::function<absl::Status(int64_t, int64_t)>& finish);

  using ReportingStore::ApplyQuota;
  using ReportingStore::ApplyRegistry;
  absl::Status ApplyRegistry(
      absl::Span<const registry::v1::StreamChangesResponse* const> changes) override;
  absl::Status ApplyQuota(
      absl::Span<const quota::v1::StreamChangesResponse* const> changes) override;
  absl::StatusOr<Cursor> GetCursor(const std::string& source) override;
  absl::Status WithoutApplying(const std::function<absl::Status()>& read) override;
  absl::Status Reset() override;

  absl::StatusOr<CountsByIndicator> Targets(const std::string& assignee, int year) override;
  absl::StatusOr<Achieved> AchievedIn(const std::string& unit_code, int year) override;
  absl::StatusOr<std::map<std::string, Achieved>> AchievedByBody(const std::string& unit_code,
                                                                 int year) override;
  absl::StatusOr<std::map<std::string, CountsByIndicator>> TargetsOf(
      const std::vector<std::string>& assignees, int year) override;
  absl::StatusOr<std::map<std::string, Achieved>> AchievedInChildren(const std::string& unit_code,
                                                                     int year) override;
  absl::StatusOr<std::vector<NamedKey>> Children(const std::string& unit_code) override;
  absl::StatusOr<std::vector<NamedKey>> ExpectedChildren(const std::string& unit_code,
                                                         int year) override;
  absl::StatusOr<std::vector<CountedRow>> CountedIn(const std::string& unit_code,
                                                    int year) override;
  absl::StatusOr<std::string> DisplayName(const std::string& key) override;
  absl::StatusOr<bool> UnitExists(const std::string& unit_code) override;
  absl::StatusOr<std::optional<std::string>> UnitParent(const std::string& unit_code) override;
  absl::StatusOr<std::vector<std::string>> RootUnits() override;
  absl::StatusOr<std::optional<std::string>> EnterpriseSeat(const std::string& code) override;
  absl::StatusOr<CountsByStatus> StatusCounts(const std::string& unit_code,
                                              const std::string& as_of) override;
  absl::StatusOr<CoverageCounts> Coverage(const std::string& unit_code,
                                          const std::string& as_of) override;
  absl::StatusOr<std::vector<CandidateRow>> Candidates(const std::string& unit_code, int kind,
                                                       int threshold, const std::string& as_of,
                                                       const std::string& after_code,
                                                       int limit) override;
  absl::StatusOr<std::vector<CandidateRow>> FosteringCases(const std::string& unit_code,
                                                           const std::string& as_of,
                                                           const std::string& after_code,
                                                           int limit) override;
  absl::StatusOr<std::optional<quota::v1::FoundingThresholds>> Thresholds(int year) override;

 private:
  // The model's core for the length of one store call: holds the swap
  // lock shared, so SwapIn waits for calls under way and calls wait for
  // it. A call takes it once (absl::Mutex's reader lock is not reentrant
  // while a writer waits).
  class CoreRef {
   public:
    explicit CoreRef(const SqlReportingStore& store)
        : lock_(&store.swap_mu_), core_(store.core_.get()) {}
    SqlStoreCore* operator->() const { return core_; }
    SqlStoreCore& operator*() const { return *core_; }

   private:
    absl::ReaderMutexLock lock_;
    SqlStoreCore* core_;
  };

  SqlReportingStore(std::unique_ptr<SqlStoreCore> core, std::string location)
      : location_(std::move(location)), core_(std::move(core)) {}
  CoreRef Core() const { return CoreRef(*this); }
  // Where the model on `core` stands in `source`'s feed.
  static absl::StatusOr<Cursor> ReadCursor(SqlStoreCore& core, const std::string& source);
  template <typename Change>
  absl::Status Apply(const std::string& source, absl::Span<const Change* const> changes);

  const std::string location_;
  // OpenToBuild's dropped indexes and triggers (their CREATE statements),
  // for FinishBuild, and its core (core_ owns it).
  std::vector<std::string> deferred_indexes_, deferred_triggers_;
  SqliteStoreCore* building_ = nullptr;
  // Held exclusively by Apply, shared by WithoutApplying; taken before
  // swap_mu_.
  absl::Mutex apply_mu_;
  mutable absl::Mutex swap_mu_;
  // Replaced only by SwapIn, under swap_mu_ held exclusively; read through
  // Core() (not annotated: the lock is taken in CoreRef's constructor).
  std::unique_ptr<SqlStoreCore> core_;
};

}  // namespace chitieu::reporting

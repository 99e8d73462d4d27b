// The read model rebuilt beside the live one: opening a model to build,
// finishing it, and swapping it in for the live one (reporting_store_sql.h,
// rebuild.h).

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>
#include <tuple>

#include "absl/cleanup/cleanup.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/common/files.h"
#include "libs/common/log.h"
#include "libs/common/sqlite_store.h"
#include "libs/common/status_macros.h"
#include "services/reporting/reporting_schema.h"
#include "services/reporting/reporting_store_sql.h"

namespace chitieu::reporting {

absl::StatusOr<std::unique_ptr<SqlReportingStore>> SqlReportingStore::OpenToBuild(
    const std::string& path) {
  ASSIGN_OR_RETURN(auto core, SqliteStoreCore::OpenUnjournaled(path, ReadModelMigrations().sqlite));
  SqliteStoreCore* building = core.get();
  std::unique_ptr<SqlReportingStore> store(new SqlReportingStore(std::move(core), path));
  store->building_ = building;
  RETURN_IF_ERROR(store->core_->Transact([&](SqlSession& db, ChangeLog&) -> absl::Status {
    // Named indexes only: the keys' own (sql NULL) stay, upserts need them.
    ASSIGN_OR_RETURN(auto rows, db.Query("SELECT type, name, sql FROM sqlite_master WHERE type IN "
                                         "('index', 'trigger') AND sql IS NOT NULL ORDER BY name"));
    for (int i = 0; i < rows.size(); ++i) {
      const bool index = rows.Text(i, 0) == "index";
      (index ? store->deferred_indexes_ : store->deferred_triggers_).push_back(rows.Text(i, 2));
      RETURN_IF_ERROR(
          db.Run(absl::StrCat("DROP ", index ? "INDEX " : "TRIGGER ", rows.Text(i, 1))));
    }
    return absl::OkStatus();
  }));
  return store;
}

namespace {

// organization_counts from the rows in one pass, summed in memory: SQLite's
// GROUP BY sorts every row (2.2 s for 2,000,000 organizations, where this
// takes a fraction; docs/PERFORMANCE.md). The same counts as version 2's
// triggers keep.
absl::Status CountOrganizations(SqliteDb& db) {
  // (seat_unit, founding_year, kind, founding_body) → organizations.
  absl::flat_hash_map<std::tuple<std::string, int64_t, int64_t, std::string>, int64_t> counts;
  {
    ASSIGN_OR_RETURN(auto rows, db.Prepare("SELECT seat_unit, founding_year, kind, founding_body "
                                           "FROM organizations"));
    while (true) {
      ASSIGN_OR_RETURN(bool row, rows.Step());
      if (!row) {
        break;
      }
      ++counts[{std::string(rows.ColumnView(0)), rows.ColumnInt64(1), rows.ColumnInt64(2),
                std::string(rows.ColumnView(3))}];
    }
  }
  RETURN_IF_ERROR(db.Run("DELETE FROM organization_counts"));
  for (const auto& [group, n] : counts) {
    const auto& [seat, year, kind, body] = group;
    RETURN_IF_ERROR(db.Run("INSERT INTO organization_counts VALUES (?, ?, ?, ?, ?)",
                           {seat, year, kind, body, n}));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status SqlReportingStore::FinishBuild() {
  if (building_ == nullptr) {
    return absl::FailedPreconditionError("not a model being built (OpenToBuild)");
  }
  // The replay's pages go to disk while this step runs on the CPU: the
  // rebuild's last fsync then writes only what this step adds (it was
  // 0.6 s of a 3,000,000-event rebuild; docs/PERFORMANCE.md). Its outcome
  // does not matter: that last fsync is the one that counts.
  std::thread writeback([path = location_] { (void)SyncPath(path); });
  absl::Cleanup joined = [&] { writeback.join(); };
  absl::Time clock = absl::Now();
  auto done = [&](absl::string_view step) {
    const absl::Time now = absl::Now();
    LogInfo("rebuild: a finishing step done",
            {{"step", std::string(step)}, {"seconds", absl::ToDoubleSeconds(now - clock)}});
    clock = now;
  };
  return building_->OnWriter([&](SqliteDb& db) -> absl::Status {
    // Counted first, without the indexes: the admissions' GROUP BY reads
    // the table in order (with admissions_seat it would visit rows in the
    // index's order: for organizations that was 5.7 s against 2.5 s).
    RETURN_IF_ERROR(CountOrganizations(db));
    for (const auto& sql : RecountAdmissionStatements()) {
      RETURN_IF_ERROR(db.Run(sql));
    }
    done("counts");
    // Each index sorted in runs of a few MiB, merged on every core: for
    // the three indexes of a 3,000,000-event model 1.7 s, against 3.0–3.7 s
    // sorting in the build's 128 MiB cache on one thread (docs/
    // PERFORMANCE.md). SQLite's sorter sizes its runs by cache_size and
    // uses helper threads only to merge runs.
    const int threads = std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 1, 8);
    RETURN_IF_ERROR(db.Run("PRAGMA cache_size=-4096"));
    RETURN_IF_ERROR(db.Run(absl::StrCat("PRAGMA threads=", threads)));
    for (const auto& sql : deferred_indexes_) {
      RETURN_IF_ERROR(db.Run(sql));
      done(sql);
    }
    // The catch-ups after this one (the last under the swap's lock) keep
    // the indexes up to date: the build's cache again.
    RETURN_IF_ERROR(db.Run(absl::StrCat("PRAGMA cache_size=", SqliteStoreCore::kBuildCacheSize)));
    for (const auto& sql : deferred_triggers_) {
      RETURN_IF_ERROR(db.Run(sql));
    }
    deferred_indexes_.clear();
    deferred_triggers_.clear();
    return absl::OkStatus();
  });
}

bool SqlReportingStore::Swappable() const {
  return !IsPostgresUrl(location_) && location_ != ":memory:";
}

absl::Status SqlReportingStore::SwapIn(
    const std::string& built, const std::function<absl::Status(int64_t, int64_t)>& finish) {
  if (!Swappable()) {
    return absl::FailedPreconditionError("only a SQLite model file can be swapped");
  }
  absl::WriterMutexLock lock(&swap_mu_);
  // The live model's cursors (read on its core: Core() would wait for
  // this very lock).
  ASSIGN_OR_RETURN(auto registry, ReadCursor(*core_, kRegistrySource));
  ASSIGN_OR_RETURN(auto quota, ReadCursor(*core_, kQuotaSource));
  RETURN_IF_ERROR(finish(registry.sequence, quota.sequence));
  // Every connection of this process closed: the last one checkpoints the
  // old file's WAL into it and removes it. A WAL still holding pages
  // (another process has the file open) must never meet the new file, nor
  // be deleted: then the swap is refused and the old model reopened.
  core_.reset();
  std::error_code ec;
  const auto wal_size = std::filesystem::file_size(location_ + "-wal", ec);
  const bool wal_empty = ec || wal_size == 0;
  bool renamed = false;
  int rename_errno = 0;
  if (wal_empty) {
    for (const char* suffix : {"-wal", "-shm"}) {
      std::filesystem::remove(location_ + suffix, ec);
    }
    renamed = std::rename(built.c_str(), location_.c_str()) == 0;
    rename_errno = errno;
  }
  if (renamed) {
    if (auto synced = SyncDirectoryOf(location_); !synced.ok()) {
      // The new file is in place; a crash may undo the rename, leaving the
      // old model, whole.
      LogWarn("the rename of the rebuilt model may not last a crash",
              {{"error", synced.ToString()}});
    }
  }
  auto reopened = OpenSqlStoreCore(location_, ReadModelMigrations(), nullptr, /*durable=*/false);
  if (!reopened.ok()) {
    // Neither model can be read: this process cannot serve; its restart
    // opens whichever file the rename left.
    LogError("cannot open the read model after a swap", {{"error", reopened.status().ToString()}});
    std::abort();
  }
  core_ = std::move(*reopened);
  if (!wal_empty) {
    return absl::FailedPreconditionError(
        "the live model's WAL was not checkpointed (another process has the file open?); "
        "the rebuilt model was not swapped in");
  }
  if (!renamed) {
    return absl::InternalError(
        absl::StrCat("cannot rename the rebuilt model: ", std::strerror(rename_errno)));
  }
  return absl::OkStatus();
}

}  // namespace chitieu::reporting

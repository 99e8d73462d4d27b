#pragma once

// Rebuilding the read model without taking it down (--rebuild on SQLite):
// both feeds are replayed from zero into a fresh file beside the live one
// (no journal, no fsync until the end: SqliteStoreCore::OpenUnjournaled)
// while the live model keeps serving and following; once the fresh one is
// caught up it is swapped in (SqlReportingStore::SwapIn), and the live
// followers resume from its cursors. A kill at any point leaves the old
// model whole, and it serves on restart; the next rebuild throws the
// half-built file away. README ("Rebuilding the read model") has the
// procedure.

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/reporting/reporting_store_sql.h"

namespace chitieu::reporting {

class Rebuild {
 public:
  // kStopped: given up (a swap refused: see SwapIn) or stopped before the
  // swap; the live model as it was.
  enum class State { kRunning, kDone, kStopped };

  // `live` must be Swappable and outlive this; the channels reach the
  // registry's and quota's feeds.
  Rebuild(SqlReportingStore* live, std::shared_ptr<grpc::Channel> registry,
          std::shared_ptr<grpc::Channel> quota);
  ~Rebuild();

  // Runs the rebuild on a thread of its own. An attempt that fails (a
  // source out of reach, a gap, a full disk, a last pass over 10 s) is
  // thrown away and the next starts from an empty file, after 100 ms
  // doubling to 2 s, until one succeeds or Stop; the live model serves as
  // it was meanwhile. A swap refused because the live file's WAL is held
  // by another process ends the rebuild (kStopped): it would be refused
  // again.
  void Start();
  // Stops a rebuild under way (the live model as it was) and joins.
  void Stop();
  // Removes the file a rebuild killed half-way left beside `live` (as
  // large as the model): for a start without --rebuild.
  static void RemoveLeftovers(const SqlReportingStore& live);

  State state() const;
  // Once kDone: the changes replayed and the time from Start to the swap.
  int64_t events() const;
  absl::Duration took() const;

 private:
  void Run();
  // One attempt from an empty file to the swap; the changes replayed.
  absl::StatusOr<int64_t> Attempt();
  bool stopping() const;

  SqlReportingStore* live_;
  std::shared_ptr<grpc::Channel> registry_, quota_;
  const std::string path_;  // The fresh file: the live one's path + ".rebuild".
  std::thread thread_;
  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  State state_ ABSL_GUARDED_BY(mu_) = State::kRunning;
  int64_t events_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Duration took_ ABSL_GUARDED_BY(mu_);
  // Cancels the catch-up of the attempt under way (stops its followers).
  std::function<void()> cancel_ ABSL_GUARDED_BY(mu_);
};

}  // namespace chitieu::reporting

#pragma once

// The feed's sequencer on PostgreSQL (pg.h says what it does and why that
// is right): a thread with a connection of its own that numbers committed
// changes, woken by this replica's commits and, every quarter of a second,
// by itself (for the changes of a replica that stopped before its
// sequencer numbered them). After a pass that numbered changes it wakes
// this replica's followers; pg_notify in the pass wakes the other
// replicas'. When commits arrived while a pass ran, the next one waits
// 2 ms for more (as PostgreSQL's commit_delay gathers WAL flushes): under
// many writers a pass, with its own commit, served one or two of them and
// cost a third of their CPU. A lone writer's pass is not held back
// (unless it commits again while the last pass still wakes followers).

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/common/feed.h"
#include "libs/common/pg.h"

namespace chitieu {

class PgSequencer {
 public:
  // `notifier` may be null; `channel` is the NOTIFY channel ("" for none).
  PgSequencer(std::unique_ptr<PgDb> db, ChangeNotifier* notifier, std::string channel);
  ~PgSequencer();

  // Called after a commit that inserted changes: returns once a pass that
  // began after it has numbered everything it saw (so readers of the feed
  // see them), or after `timeout` (the commit stands; a later pass numbers
  // them).
  void AwaitNumbered(absl::Duration timeout);
  // Called after such a commit by a caller that does not wait: a pass
  // begins soon after it, as for AwaitNumbered.
  void Ask();

 private:
  void Run();

  std::unique_ptr<PgDb> db_;  // The thread's alone.
  ChangeNotifier* notifier_;
  const std::string channel_;

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool wanted_ ABSL_GUARDED_BY(mu_) = false;  // A pass is asked for.
  int64_t begun_ ABSL_GUARDED_BY(mu_) = 0;    // Passes begun, numbered from 1.
  // The last pass that numbered all it saw (a full one leaves more).
  int64_t settled_ ABSL_GUARDED_BY(mu_) = 0;

  std::thread thread_;  // Last: started once the rest is set.
};

}  // namespace chitieu

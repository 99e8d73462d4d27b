// The feed's sequencer on PostgreSQL (pg_sequencer.h).

#include "libs/common/pg_sequencer.h"

#include "libs/common/log.h"

namespace chitieu {
namespace {
// Changes a pass numbers at most (one statement; the next pass goes on).
constexpr int kPassLimit = 10000;
// How long the next pass waits for more commits when commits arrived while
// one ran (pg_sequencer.h).
constexpr absl::Duration kGather = absl::Milliseconds(2);
}  // namespace

PgSequencer::PgSequencer(std::unique_ptr<PgDb> db, ChangeNotifier* notifier, std::string channel)
    : db_(std::move(db)), notifier_(notifier), channel_(std::move(channel)) {
  // A reconnect during an outage gives up when the sequencer stops, not
  // only after its bound: a service stopping does not wait for it.
  db_->set_reopen_stop([this] {
    absl::MutexLock lock(&mu_);
    return stopping_;
  });
  {
    absl::MutexLock lock(&mu_);
    wanted_ = true;  // A first pass at start: what a stopped replica left.
  }
  thread_ = std::thread([this] { Run(); });
}

PgSequencer::~PgSequencer() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

void PgSequencer::AwaitNumbered(absl::Duration timeout) {
  struct Wait {
    PgSequencer* sequencer;
    int64_t pass;
  };
  absl::MutexLock lock(&mu_);
  wanted_ = true;
  // The next pass to begin: it begins after this commit, so it sees it.
  Wait wait{this, begun_ + 1};
  const bool numbered = mu_.AwaitWithTimeout(absl::Condition(
                                                 +[](Wait* w) ABSL_NO_THREAD_SAFETY_ANALYSIS {
                                                   return w->sequencer->stopping_ ||
                                                          w->sequencer->settled_ >= w->pass;
                                                 },
                                                 &wait),
                                             timeout);
  if (!numbered) {
    LogWarn("changes committed but not numbered in time; the feed shows them later");
  }
}

void PgSequencer::Ask() {
  absl::MutexLock lock(&mu_);
  wanted_ = true;
}

void PgSequencer::Run() {
  // The pass's statements each take their snapshot after its lock (pg.h)
  // only in READ COMMITTED, whatever the database's default: a session
  // setting, which every reconnect applies again (PgDb::SetSession).
  (void)db_->SetSession(
      "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED");
  while (true) {
    int64_t pass;
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(
                               +[](PgSequencer* s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(s->mu_) {
                                 return s->stopping_ || s->wanted_;
                               },
                               this),
                           absl::Milliseconds(250));
      if (stopping_) {
        return;
      }
      wanted_ = false;
      pass = ++begun_;
    }
    if (!db_->Healthy()) {
      db_->Reset();
    }
    auto numbered = db_->Healthy()
                        ? db_->NumberChanges(kPassLimit, channel_)
                        : absl::UnavailableError("no connection in READ COMMITTED to PostgreSQL");
    if (!numbered.ok()) {
      LogError("the feed's sequencer pass failed", {{"error", numbered.status().ToString()}});
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&stopping_), absl::Milliseconds(100));
      wanted_ = true;  // Again: whoever waits still does.
      continue;
    }
    {
      absl::MutexLock lock(&mu_);
      if (numbered->count < kPassLimit) {
        settled_ = pass;
      } else {
        wanted_ = true;  // A full pass: more may wait.
      }
    }
    // After the writers are let go: woken followers read the feed on this
    // thread, and no writer should wait for that.
    if (numbered->count > 0 && notifier_ != nullptr) {
      notifier_->Notify(numbered->last);
    }
    // Group commit for the feed: when more commits came in while this pass
    // ran, the writers are many, and a pass for each few of them costs as
    // much CPU as their own statements. Gathering them a moment makes one
    // pass serve many; a lone writer's next commit seldom finds wanted_ set.
    if (numbered->count > 0 && numbered->count < kPassLimit) {
      absl::MutexLock lock(&mu_);
      if (wanted_) {
        mu_.AwaitWithTimeout(absl::Condition(&stopping_), kGather);
      }
    }
  }
}

}  // namespace chitieu

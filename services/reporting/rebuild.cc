// The read model rebuilt beside the live one and swapped in (rebuild.h).

#include "services/reporting/rebuild.h"

#include <filesystem>

#include "absl/cleanup/cleanup.h"
#include "chitieu/quota/v1/quota.grpc.pb.h"
#include "chitieu/registry/v1/registry.grpc.pb.h"
#include "libs/common/files.h"
#include "libs/common/log.h"
#include "libs/common/status_macros.h"
#include "services/reporting/feed_follower.h"

namespace chitieu::reporting {
namespace {

// Changes a transaction of the fresh model: without a journal or fsync a
// commit costs little, so larger batches only hold more in memory.
constexpr size_t kBatch = 5000;
// The longest the last pass may hold the live model's callers: past it the
// attempt fails and the live model serves on (the next starts again).
constexpr absl::Duration kLastPassWithin = absl::Seconds(10);

std::string BuildPath(const SqlReportingStore& live) { return live.location() + ".rebuild"; }

// A SQLite database file and what SQLite keeps beside it.
void RemoveSqliteFiles(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::error_code ignored;
    std::filesystem::remove(path + suffix, ignored);
  }
}

}  // namespace

Rebuild::Rebuild(SqlReportingStore* live, std::shared_ptr<grpc::Channel> registry,
                 std::shared_ptr<grpc::Channel> quota)
    : live_(live),
      registry_(std::move(registry)),
      quota_(std::move(quota)),
      path_(BuildPath(*live)) {}

void Rebuild::RemoveLeftovers(const SqlReportingStore& live) {
  if (live.Swappable()) {
    RemoveSqliteFiles(BuildPath(live));
  }
}

Rebuild::~Rebuild() { Stop(); }

void Rebuild::Start() {
  thread_ = std::thread([this] { Run(); });
}

void Rebuild::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    if (cancel_) {
      cancel_();
    }
  }
  if (thread_.joinable()) {
    thread_.join();
  }
}

Rebuild::State Rebuild::state() const {
  absl::MutexLock lock(&mu_);
  return state_;
}

int64_t Rebuild::events() const {
  absl::MutexLock lock(&mu_);
  return events_;
}

absl::Duration Rebuild::took() const {
  absl::MutexLock lock(&mu_);
  return took_;
}

bool Rebuild::stopping() const {
  absl::MutexLock lock(&mu_);
  return stopping_;
}

void Rebuild::Run() {
  const absl::Time begin = absl::Now();
  absl::Duration backoff = absl::Milliseconds(100);
  LogInfo("rebuilding the read model beside the live one", {{"file", path_}});
  while (!stopping()) {
    auto events = Attempt();
    if (events.ok()) {
      absl::MutexLock lock(&mu_);
      state_ = State::kDone;
      events_ = *events;
      took_ = absl::Now() - begin;
      LogInfo("read model rebuilt and swapped in",
              {{"events", events_}, {"seconds", absl::ToDoubleSeconds(took_)}});
      return;
    }
    RemoveSqliteFiles(path_);
    if (stopping()) {
      break;
    }
    if (absl::IsFailedPrecondition(events.status())) {
      LogError("the rebuilt read model cannot be swapped in; the live one serves as it was",
               {{"error", events.status().ToString()}});
      break;
    }
    LogWarn("a rebuild of the read model failed; starting again from an empty file",
            {{"error", events.status().ToString()}});
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), backoff);
    backoff = std::min(backoff * 2, absl::Seconds(2));
  }
  absl::MutexLock lock(&mu_);
  state_ = State::kStopped;
  LogInfo("rebuild of the read model stopped; the live model is as it was");
}

absl::StatusOr<int64_t> Rebuild::Attempt() {
  RemoveSqliteFiles(path_);
  ASSIGN_OR_RETURN(auto fresh, SqlReportingStore::OpenToBuild(path_));
  SqlReportingStore* f = fresh.get();
  FeedHealth unpublished;  // The live followers' health is what callers see.
  Followers feeds(registry_, quota_, f, &unpublished, kBatch);
  auto& registry = feeds.registry;
  auto& quota = feeds.quota;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) {
      return absl::CancelledError("stopping");
    }
    cancel_ = [&] {
      registry.Stop();
      quota.Stop();
    };
  }
  absl::Cleanup forget = [&] {
    absl::MutexLock lock(&mu_);
    cancel_ = nullptr;
  };
  // Feed events replayed: both feeds are numbered 1, 2, … without gaps.
  auto replayed = [f]() -> absl::StatusOr<int64_t> {
    ASSIGN_OR_RETURN(auto r, f->GetCursor(kRegistrySource));
    ASSIGN_OR_RETURN(auto q, f->GetCursor(kQuotaSource));
    return r.sequence + q.sequence;
  };
  // Catch up while the live model serves, again until a pass finds little
  // new: the last pass holds every read and write of the live model.
  int64_t events = 0;
  absl::Time phase = absl::Now();
  auto phase_seconds = [&phase] {
    const absl::Time now = absl::Now();
    const double seconds = absl::ToDoubleSeconds(now - phase);
    phase = now;
    return seconds;
  };
  for (int pass = 0; pass < 8; ++pass) {
    RETURN_IF_ERROR(registry.CatchUp());
    RETURN_IF_ERROR(quota.CatchUp());
    ASSIGN_OR_RETURN(auto now, replayed());
    const bool settled = now - events < static_cast<int64_t>(kBatch);
    LogInfo("rebuild: a pass over both feeds",
            {{"pass", pass}, {"events", now - events}, {"seconds", phase_seconds()}});
    events = now;
    if (settled) {
      break;
    }
  }
  // Indexes and counts from the rows, and the file on disk, before the
  // swap: the live model's callers do not wait for them. What landed
  // meanwhile, one more pass applies.
  RETURN_IF_ERROR(fresh->FinishBuild());
  LogInfo("rebuild: indexes, counts and triggers made", {{"seconds", phase_seconds()}});
  RETURN_IF_ERROR(registry.CatchUp());
  RETURN_IF_ERROR(quota.CatchUp());
  RETURN_IF_ERROR(SyncPath(path_));
  LogInfo("rebuild: caught up again and on disk", {{"seconds", phase_seconds()}});
  // Under the swap's lock, only up to where the live model stands: the
  // live followers skip what the new model already has, and fetch the rest.
  // (A source restored from an older backup ends before those positions:
  // its feed's end is what the rebuilt model holds, as it should.)
  RETURN_IF_ERROR(live_->SwapIn(path_, [&](int64_t registry_at, int64_t quota_at) -> absl::Status {
    const absl::Time deadline = absl::Now() + kLastPassWithin;
    RETURN_IF_ERROR(registry.CatchUpTo(registry_at, deadline - absl::Now()));
    RETURN_IF_ERROR(quota.CatchUpTo(quota_at, deadline - absl::Now()));
    ASSIGN_OR_RETURN(events, replayed());
    fresh.reset();  // Closes the file.
    return SyncPath(path_);
  }));
  return events;
}

}  // namespace chitieu::reporting

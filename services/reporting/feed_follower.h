#pragma once

// Follows one source's change feed into the read model: catches up in
// batches (one transaction per `batch` changes; the next batch read on a
// thread of its own while one is applied), then follows live (one
// transaction per change, so a change shows in reports as soon as it is
// applied). On
// any stream error it marks the source disconnected, backs off (100 ms
// doubling to 2 s) and resumes from the stored cursor.

#include <grpcpp/grpcpp.h>

#include <deque>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/common/log.h"
#include "libs/common/principal.h"
#include "libs/common/status_macros.h"
#include "services/reporting/feed_health.h"

namespace chitieu::reporting {

template <typename Service, typename Request, typename Change>
class FeedFollower {
 public:
  using Apply = std::function<absl::Status(const std::vector<Change>&)>;

  FeedFollower(std::string source, std::shared_ptr<grpc::Channel> channel, Apply apply,
               ReportingStore* store, FeedHealth* health, size_t batch = 1000)
      : source_(std::move(source)),
        stub_(Service::NewStub(std::move(channel))),
        apply_(std::move(apply)),
        store_(store),
        health_(health),
        batch_(batch) {}

  ~FeedFollower() { Stop(); }

  void Start() {
    thread_ = std::thread([this] { Run(); });
  }

  // Reads from the store's cursor to the feed's current end, on the
  // calling thread (without Start: a rebuild's catch-up). `apply`'s error
  // as it is; UNAVAILABLE if the stream broke (or was stopped).
  absl::Status CatchUp() {
    ASSIGN_OR_RETURN(auto cursor, store_->GetCursor(source_));
    return Stream(cursor.sequence, /*follow=*/false);
  }
  // The same, but only until the store's cursor reaches `until` (already
  // there: nothing is read) or the feed's end, whichever is first, and
  // within `within` (DEADLINE_EXCEEDED after).
  absl::Status CatchUpTo(int64_t until, absl::Duration within) {
    ASSIGN_OR_RETURN(auto cursor, store_->GetCursor(source_));
    if (cursor.sequence >= until) {
      return absl::OkStatus();
    }
    return Stream(cursor.sequence, /*follow=*/false, until, within);
  }

  // Cancels the open stream and joins the thread.
  void Stop() {
    {
      absl::MutexLock lock(&mu_);
      if (stopped_) {
        return;
      }
      stopped_ = true;
      if (context_ != nullptr) {
        context_->TryCancel();
      }
    }
    if (thread_.joinable()) {
      thread_.join();
    }
  }

 private:
  void Run() {
    absl::Duration backoff = absl::Milliseconds(100);
    while (!stopping()) {
      absl::Status s = CatchUp();
      if (s.ok()) {
        backoff = absl::Milliseconds(100);
        s = Follow();
      }
      health_->SetConnected(source_, false);
      if (stopping()) {
        break;
      }
      LogWarn("feed interrupted", {{"source", source_}, {"error", s.ToString()}});
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&stopped_), backoff);
      backoff = std::min(backoff * 2, absl::Seconds(2));
    }
  }

  bool stopping() {
    absl::MutexLock lock(&mu_);
    return stopped_;
  }

  absl::Status Follow() {
    ASSIGN_OR_RETURN(auto cursor, store_->GetCursor(source_));
    return Stream(cursor.sequence, /*follow=*/true);
  }

  // Streams changes after `after` into the store; with `until`, stops
  // once a change at or past it is applied.
  absl::Status Stream(int64_t after, bool follow,
                      int64_t until = std::numeric_limits<int64_t>::max(),
                      absl::Duration within = absl::InfiniteDuration()) {
    grpc::ClientContext context;
    AddServiceSecret(&context);
    if (within != absl::InfiniteDuration()) {
      context.set_deadline(absl::ToChronoTime(absl::Now() + within));
    }
    {
      absl::MutexLock lock(&mu_);
      if (stopped_) {
        return absl::CancelledError("stopping");
      }
      context_ = &context;
    }
    Request request;
    request.set_after_sequence(after);
    request.set_no_follow(!follow);
    auto reader = stub_->StreamChanges(&context, request);
    if (follow) {
      health_->SetConnected(source_, true);
    }
    bool reached = false;
    absl::Status status =
        follow ? ApplyLive(reader.get()) : ApplyCatchingUp(reader.get(), &context, until, &reached);
    if (!status.ok() || reached) {
      context.TryCancel();
    }
    grpc::Status end = reader->Finish();
    {
      absl::MutexLock lock(&mu_);
      context_ = nullptr;
    }
    if (!status.ok() || reached) {
      return status;
    }
    if (end.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
      return absl::DeadlineExceededError(absl::StrCat(source_, " feed: not caught up in time"));
    }
    if (!end.ok()) {
      return absl::UnavailableError(absl::StrCat(source_, " feed: ", end.error_message()));
    }
    if (follow) {
      return absl::UnavailableError(absl::StrCat(source_, " feed ended"));
    }
    return absl::OkStatus();
  }

  // Following live: each change applied as it comes, on this thread.
  absl::Status ApplyLive(grpc::ClientReader<Change>* reader) {
    std::vector<Change> batch(1);
    while (reader->Read(&batch[0])) {
      RETURN_IF_ERROR(apply_(batch));
    }
    return absl::OkStatus();
  }

  // Batches read, waiting to be applied (ApplyCatchingUp).
  struct Pipe {
    static constexpr size_t kWaiting = 2;
    absl::Mutex mu;
    std::deque<std::vector<Change>> ready ABSL_GUARDED_BY(mu);
    bool read_all ABSL_GUARDED_BY(mu) = false;
    bool abandoned ABSL_GUARDED_BY(mu) = false;
    static bool Room(Pipe* p) ABSL_EXCLUSIVE_LOCKS_REQUIRED(p->mu) {
      return p->ready.size() < kWaiting || p->abandoned;
    }
    static bool Something(Pipe* p) ABSL_EXCLUSIVE_LOCKS_REQUIRED(p->mu) {
      return !p->ready.empty() || p->read_all;
    }
  };

  // Catching up: a thread of its own reads and parses the stream into
  // batches of `batch_` while this one applies the batch before, so the
  // two overlap (reading was a fifth of a rebuild's time, applying two
  // thirds; docs/PERFORMANCE.md). At most two batches wait (three at the
  // stream's end); once stopped or past the deadline, none is applied.
  // `reached`: a change at or past `until` was applied (the last read).
  absl::Status ApplyCatchingUp(grpc::ClientReader<Change>* reader, grpc::ClientContext* context,
                               int64_t until, bool* reached) {
    Pipe pipe;
    std::thread reading([&] {
      std::vector<Change> batch;
      Change change;
      bool last = false;
      while (!last && reader->Read(&change)) {
        last = change.sequence() >= until;
        batch.push_back(std::move(change));
        if (last || batch.size() >= batch_) {
          absl::MutexLock lock(&pipe.mu);
          pipe.mu.Await(absl::Condition(&Pipe::Room, &pipe));
          if (pipe.abandoned) {
            break;
          }
          pipe.ready.push_back(std::move(batch));
          batch.clear();
        }
      }
      absl::MutexLock lock(&pipe.mu);
      if (!batch.empty() && !pipe.abandoned) {
        pipe.ready.push_back(std::move(batch));
      }
      pipe.read_all = true;
    });
    absl::Status status;
    while (true) {
      std::vector<Change> batch;
      {
        absl::MutexLock lock(&pipe.mu);
        pipe.mu.Await(absl::Condition(&Pipe::Something, &pipe));
        if (pipe.ready.empty()) {
          break;
        }
        batch = std::move(pipe.ready.front());
        pipe.ready.pop_front();
      }
      // Stopped, or past the deadline: what was read ahead is not applied.
      if (stopping()) {
        status = absl::CancelledError("stopping");
      } else if (std::chrono::system_clock::now() > context->deadline()) {
        status = absl::DeadlineExceededError(absl::StrCat(source_, " feed: not caught up in time"));
      }
      if (!status.ok()) {
        absl::MutexLock lock(&pipe.mu);
        pipe.abandoned = true;
        context->TryCancel();
        break;
      }
      status = apply_(batch);
      if (!status.ok()) {
        absl::MutexLock lock(&pipe.mu);
        pipe.abandoned = true;
        context->TryCancel();  // The reader's Read ends.
        break;
      }
      if (batch.back().sequence() >= until) {
        *reached = true;
      }
    }
    reading.join();
    return status;
  }

  const std::string source_;
  std::unique_ptr<typename Service::Stub> stub_;
  Apply apply_;
  ReportingStore* store_;
  FeedHealth* health_;
  const size_t batch_;
  absl::Mutex mu_;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ClientContext* context_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::thread thread_;
};

}  // namespace chitieu::reporting

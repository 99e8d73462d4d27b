#pragma once

// The change feed shared by every service that has one. Each committed
// change gets the next sequence number in the same transaction (a
// transactional outbox, kept by the service's store); after the commit the
// store calls ChangeNotifier::Notify. StreamChanges replays from the store,
// then waits on the notifier to follow live.

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <type_traits>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "libs/common/grpc_status.h"
#include "libs/common/handler.h"
#include "libs/common/sql.h"
#include "libs/common/status_macros.h"
#include "libs/common/wire_fields.h"

namespace chitieu {

// Tells followers that the feed has grown. Thread-safe.
class ChangeNotifier {
 public:
  explicit ChangeNotifier(int64_t latest = 0) : latest_(latest) {}

  // Records that every sequence up to `sequence` is committed and wakes
  // every waiter. Waiters run on the calling thread, after the lock is
  // released.
  void Notify(int64_t sequence) {
    std::vector<std::function<void()>> waiters;
    {
      absl::MutexLock lock(&mu_);
      if (sequence > latest_) {
        latest_ = sequence;
      }
      waiters.swap(waiters_);
    }
    for (auto& w : waiters) {
      w();
    }
  }

  // Registers a one-shot `waiter` unless the feed already holds a change
  // after `seen` or the notifier is shut down; returns false then (the
  // caller reads again instead of waiting).
  bool WaitAfter(int64_t seen, std::function<void()> waiter) {
    absl::MutexLock lock(&mu_);
    if (latest_ > seen || shut_down_) {
      return false;
    }
    waiters_.push_back(std::move(waiter));
    return true;
  }

  // Wakes every waiter for good; followers then end their streams.
  void Shutdown() {
    {
      absl::MutexLock lock(&mu_);
      shut_down_ = true;
    }
    Notify(0);
  }

  bool shut_down() const {
    absl::MutexLock lock(&mu_);
    return shut_down_;
  }

  int64_t latest() const {
    absl::MutexLock lock(&mu_);
    return latest_;
  }

 private:
  mutable absl::Mutex mu_;
  int64_t latest_ ABSL_GUARDED_BY(mu_);
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::function<void()>> waiters_ ABSL_GUARDED_BY(mu_);
};

// A server-streaming reactor for a change feed: replays batches read by
// `fetch(after, limit)` (which returns changes with sequence > after, in
// order), then follows live through the notifier unless `follow` is false.
// Each message is one change when `Response` is `Change` (StreamChanges;
// `Change` has `sequence()`), or, when `Response` is a ByteBuffer of
// StoredChanges, a StreamChangeBatchesResponse written from the stored
// bytes, never parsed, holding the consecutive changes at hand, up to
// kPerMessage and about kMessageBytes. The reactor keeps itself alive
// through a shared_ptr until OnDone and until no waiter refers to it.
template <typename Response, typename Change = Response>
class FeedReactor : public grpc::ServerWriteReactor<Response>,
                    public std::enable_shared_from_this<FeedReactor<Response, Change>> {
  static_assert(std::is_same_v<Response, Change> || (std::is_same_v<Response, grpc::ByteBuffer> &&
                                                     std::is_same_v<Change, StoredChange>));

 public:
  using Fetch = std::function<absl::StatusOr<std::vector<Change>>(int64_t after, int limit)>;
  // The stream's admission after the caller's check (the policy, which may
  // wait on a peer): run where the first read runs, before it.
  using Admit = std::function<absl::Status()>;
  static constexpr bool kOnePerMessage = std::is_same_v<Response, Change>;
  static constexpr int kPerMessage = 1000;
  static constexpr size_t kMessageBytes = 1 << 20;

  static grpc::ServerWriteReactor<Response>* Start(ChangeNotifier* notifier, Admit admit,
                                                   Fetch fetch, int64_t after, bool follow) {
    std::shared_ptr<FeedReactor> reactor(
        new FeedReactor(notifier, std::move(fetch), after, follow));
    reactor->self_ = reactor;
    // The admission and the first read are new work, refused as a new
    // call is when the handlers' queue is full; later reads of a stream
    // taken are not.
    if (!RunHandler([reactor, admit = std::move(admit)] {
          if (reactor->Admitted(admit)) {
            reactor->Next(/*may_read=*/true);
          }
        })) {
      absl::MutexLock lock(&reactor->mu_);
      reactor->FinishLocked(Busy());
    }
    return reactor.get();
  }

  void OnWriteDone(bool ok) override {
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (!ok) {
        FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "stream write failed"));
        return;
      }
      last_sent_ = buffer_.front().last;
      buffer_.pop_front();
    }
    Next(/*may_read=*/false);
  }

  void OnCancel() override {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
    // A write or a read under way finishes the call when it ends.
    if (!writing_ && !reading_) {
      FinishLocked(grpc::Status::CANCELLED);
    }
  }

  void OnDone() override {
    std::shared_ptr<FeedReactor> last;
    {
      absl::MutexLock lock(&mu_);
      done_ = true;
      last = std::move(self_);
    }
    // `last` may be the final reference: it is dropped after the lock.
  }

 private:
  // A message to send and the sequence of its last change.
  struct Outgoing {
    Response message;
    int64_t last = 0;
  };

  FeedReactor(ChangeNotifier* notifier, Fetch fetch, int64_t after, bool follow)
      : notifier_(notifier), fetch_(std::move(fetch)), last_sent_(after), follow_(follow) {}

  // Runs `admit` as a read (OnCancel does not finish the call, which would
  // free the context and request it reads, until it returns); false, the
  // call finished, if it refused or the caller went away meanwhile.
  bool Admitted(const Admit& admit) {
    {
      absl::MutexLock lock(&mu_);
      if (cancelled_) {
        FinishLocked(grpc::Status::CANCELLED);
        return false;
      }
      reading_ = true;
    }
    const absl::Status admitted = admit ? admit() : absl::OkStatus();
    absl::MutexLock lock(&mu_);
    reading_ = false;
    if (cancelled_) {
      FinishLocked(grpc::Status::CANCELLED);
      return false;
    }
    if (!admitted.ok()) {
      FinishLocked(ToGrpcStatus(admitted));
      return false;
    }
    return true;
  }

  // Queues `changes` (read after the last queued) as messages.
  void QueueLocked(std::vector<Change>& changes) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if constexpr (kOnePerMessage) {
      for (auto& change : changes) {
        const int64_t sequence = change.sequence();
        buffer_.push_back({std::move(change), sequence});
      }
    } else {
      // StoredChanges written as a StreamChangeBatchesResponse without being
      // parsed: each is `changes` (field 1) holding the stored bytes and
      // then the sequence (field 1 of the change: PostgreSQL stores none,
      // and of a scalar field given twice the last counts).
      std::string bytes;
      int in_message = 0;
      int64_t last = 0;
      auto flush = [&] {
        if (in_message > 0) {
          // The slice owns the bytes: no copy.
          auto* owned = new std::string(std::move(bytes));
          grpc::Slice slice(
              owned->data(), owned->size(), [](void* p) { delete static_cast<std::string*>(p); },
              owned);
          buffer_.push_back({grpc::ByteBuffer(&slice, 1), last});
          bytes = std::string();
          in_message = 0;
        }
      };
      for (const StoredChange& change : changes) {
        std::string sequence;
        AppendRawVarint(1 << 3, &sequence);  // Field 1, a varint.
        AppendRawVarint(static_cast<uint64_t>(change.sequence), &sequence);
        const size_t size = change.data.size() + sequence.size();
        if (in_message >= kPerMessage || (in_message > 0 && bytes.size() + size > kMessageBytes)) {
          flush();
        }
        AppendRawVarint((1 << 3) | 2, &bytes);  // Field 1, length-delimited.
        AppendRawVarint(size, &bytes);
        bytes.append(change.data).append(sequence);
        ++in_message;
        last = change.sequence;
      }
      flush();
    }
  }

  // Sends the next message, reading a batch or waiting as needed. The
  // store is read only when `may_read`: OnWriteDone (on one of gRPC's few
  // callback threads) and the notifier's wake-ups (on a committing
  // writer's thread, or the sequencer's) hand the read over
  // (ContinueHandler) rather than wait on the database themselves. A
  // stream's first read is a new call's work (Start, RunHandler): on the
  // gRPC thread that took the call if no other handler holds that slot,
  // else on the pool.
  void Next(bool may_read) {
    // Hold a reference: a waiter may call us after OnDone dropped self_.
    auto keep = this->shared_from_this();
    bool hand_over;
    {
      absl::MutexLock lock(&mu_);
      hand_over = StepLocked(may_read, keep);
    }
    // Outside the lock: without a handler pool the read runs right here.
    if (hand_over) {
      ContinueHandler([keep] { keep->Next(/*may_read=*/true); });
    }
  }

  // Next's work under the lock; true when a read is to be handed over.
  bool StepLocked(bool may_read, const std::shared_ptr<FeedReactor>& keep)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    while (!finished_ && !done_ && !cancelled_ && !writing_ && !reading_) {
      if (!buffer_.empty()) {
        writing_ = true;
        // More queued behind this one: the transport may hold it and send
        // several in one write (a catch-up's changes, one system call each
        // otherwise). The last queued goes without the hint, and so does
        // the stream's first, which carries the headers.
        grpc::WriteOptions options;
        if (buffer_.size() > 1 && sent_any_) {
          options.set_buffer_hint();
        }
        sent_any_ = true;
        this->StartWrite(&buffer_.front().message, options);
        return false;
      }
      if (!may_read) {
        return true;
      }
      const int64_t after = last_sent_;
      // The read without the lock: OnCancel (on a gRPC thread) must not
      // wait for the database. Nothing else reads or writes meanwhile.
      reading_ = true;
      mu_.Unlock();
      auto batch = fetch_(after, kOnePerMessage ? 256 : kPerMessage);
      mu_.Lock();
      reading_ = false;
      if (cancelled_ || done_) {
        break;
      }
      if (!batch.ok()) {
        FinishLocked(ToGrpcStatus(batch.status()));
        return false;
      }
      QueueLocked(*batch);
      if (!buffer_.empty()) {
        continue;
      }
      if (!follow_) {
        FinishLocked(grpc::Status::OK);
        return false;
      }
      if (notifier_->shut_down()) {
        FinishLocked(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                  "server is shutting down; resume from the last sequence"));
        return false;
      }
      std::weak_ptr<FeedReactor> weak = keep;
      if (notifier_->WaitAfter(after, [weak] {
            if (auto r = weak.lock()) {
              r->Next(/*may_read=*/false);
            }
          })) {
        return false;
      }
      // The feed grew (or shut down) between the read and the wait: loop.
    }
    if (cancelled_ && !writing_ && !reading_) {
      FinishLocked(grpc::Status::CANCELLED);
    }
    return false;
  }

  void FinishLocked(const grpc::Status& status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_ || done_) {
      return;
    }
    finished_ = true;
    this->Finish(status);
  }

  ChangeNotifier* notifier_;
  Fetch fetch_;
  absl::Mutex mu_;
  std::shared_ptr<FeedReactor> self_ ABSL_GUARDED_BY(mu_);
  std::deque<Outgoing> buffer_ ABSL_GUARDED_BY(mu_);
  int64_t last_sent_ ABSL_GUARDED_BY(mu_);
  const bool follow_;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool reading_ ABSL_GUARDED_BY(mu_) = false;
  bool sent_any_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace chitieu

#include "libs/common/errors.h"

namespace chitieu {

// A server stream refused before it starts.
template <typename Response>
class RefusedStream : public grpc::ServerWriteReactor<Response> {
 public:
  explicit RefusedStream(const absl::Status& status) { this->Finish(ToGrpcStatus(status)); }
  void OnDone() override { delete this; }
};

// A feed request that came as bytes (a raw method): parsed into `request`
// if it is one; INVALID_ARGUMENT for more than 1 KiB or bytes that are not.
inline absl::Status ParseFeedRequest(const grpc::ByteBuffer& raw,
                                     google::protobuf::MessageLite* request) {
  if (raw.Length() > 1024) {
    return absl::InvalidArgumentError("a feed request is far smaller than this");
  }
  std::vector<grpc::Slice> slices;
  if (!raw.Dump(&slices).ok()) {
    return absl::InvalidArgumentError("the request cannot be read");
  }
  std::string bytes;
  for (const auto& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  if (!request->ParseFromString(bytes)) {
    return absl::InvalidArgumentError("the request is not a feed request");
  }
  return absl::OkStatus();
}

// A service's StreamChanges, `method` its path (MethodPath): the caller
// checked on gRPC's thread (CheckCaller), then the policy asked for
// `request` (AuthorizeCall) as StartFeed below says, then `store->
// ReadChanges` replayed after the request's cursor, followed unless it
// says no_follow.
template <typename Response, typename Request, typename Store>
grpc::ServerWriteReactor<Response>* StartChangeStream(grpc::CallbackServerContext* context,
                                                      const std::string& method,
                                                      const Request& request,
                                                      ChangeNotifier* notifier, Store* store);

// A service's StreamChangeBatches of its store's stored changes (`store->
// ReadStoredChanges`), its request read from `raw` (ParseFeedRequest),
// admitted as StartChangeStream's. The caller is admitted even when the
// bytes do not parse (with an empty request), and refused as a caller
// before it is told of them.
template <typename BatchRequest, typename Store>
grpc::ServerWriteReactor<grpc::ByteBuffer>* StartStoredBatchFeed(
    grpc::CallbackServerContext* context, const std::string& method, const grpc::ByteBuffer& raw,
    ChangeNotifier* notifier, Store* store);

// Starts a feed reactor (StreamChanges, StreamChangeBatches): refused at
// once with `caller` (CheckCaller's answer) if that is not OK; else a
// FeedReactor that, where its first read runs (RunHandler: a full queue
// refuses it UNAVAILABLE), asks `admit` (the policy; `admit`'s captures
// live until it has run, and a call's context and request until it
// finishes), refuses INVALID_ARGUMENT a negative cursor, and then replays
// after `after`, following if `follow`.
template <typename Response, typename Change = Response>
grpc::ServerWriteReactor<Response>* StartFeed(const absl::Status& caller,
                                              typename FeedReactor<Response, Change>::Admit admit,
                                              ChangeNotifier* notifier,
                                              typename FeedReactor<Response, Change>::Fetch fetch,
                                              int64_t after, bool follow) {
  if (!caller.ok()) {
    return new RefusedStream<Response>(caller);
  }
  return FeedReactor<Response, Change>::Start(
      notifier,
      [admit = std::move(admit), after]() -> absl::Status {
        if (admit) {
          RETURN_IF_ERROR(admit());
        }
        if (after < 0) {
          return InvalidField("after_sequence", "must not be negative");
        }
        return absl::OkStatus();
      },
      std::move(fetch), after, follow);
}

template <typename Response, typename Request, typename Store>
grpc::ServerWriteReactor<Response>* StartChangeStream(grpc::CallbackServerContext* context,
                                                      const std::string& method,
                                                      const Request& request,
                                                      ChangeNotifier* notifier, Store* store) {
  return StartFeed<Response>(
      CheckCaller(*context),
      [context, method, &request] { return AuthorizeCall(*context, method, request); }, notifier,
      [store](int64_t after, int limit) { return store->ReadChanges(after, limit); },
      request.after_sequence(), !request.no_follow());
}

template <typename BatchRequest, typename Store>
grpc::ServerWriteReactor<grpc::ByteBuffer>* StartStoredBatchFeed(
    grpc::CallbackServerContext* context, const std::string& method, const grpc::ByteBuffer& raw,
    ChangeNotifier* notifier, Store* store) {
  BatchRequest request;
  absl::Status parsed = ParseFeedRequest(raw, &request);
  if (!parsed.ok()) {
    request.Clear();  // Nothing half-read reaches the policy.
  }
  const int64_t after = request.after_sequence();
  const bool follow = !request.no_follow();
  // The caller first, then the policy: one not let in learns nothing of
  // its request's shape.
  return StartFeed<grpc::ByteBuffer, StoredChange>(
      CheckCaller(*context),
      [context, method, request = std::move(request),
       parsed = std::move(parsed)]() -> absl::Status {
        RETURN_IF_ERROR(AuthorizeCall(*context, method, request));
        return parsed;
      },
      notifier,
      [store](int64_t after, int limit) { return store->ReadStoredChanges(after, limit); }, after,
      follow);
}

}  // namespace chitieu

#pragma once

// Follows one source's change feed into the read model: catches up in
// batches (one transaction per `batch` changes; the next batch read on a
// thread of its own while one is applied), then follows live: each message
// the source sends (the changes it has at hand, one when writes are few,
// up to a thousand under a bulk import) applied in one transaction as soon
// as it comes, so a change shows in reports without waiting for others. On
// any stream error it marks the source disconnected, backs off (100 ms
// doubling to 2 s) and resumes from the stored cursor.

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/proto_buffer_reader.h>

#include <deque>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "chitieu/quota/v1/quota.grpc.pb.h"
#include "chitieu/registry/v1/registry.grpc.pb.h"
#include "google/protobuf/arena.h"
#include "libs/common/log.h"
#include "libs/common/principal.h"
#include "libs/common/status_macros.h"
#include "services/reporting/feed_health.h"
#include "services/reporting/reporting_store.h"

namespace chitieu::reporting {

// `Request`/`Change`: StreamChanges' messages (one change a message);
// `BatchRequest`/`Batch`: StreamChangeBatches' (many a message), through
// which a follower catches up and follows live; a source too old to have
// it (UNIMPLEMENTED, asked again on each reconnect) is read through
// StreamChanges.
template <typename Service, typename Request, typename Change, typename BatchRequest,
          typename Batch>
class FeedFollower {
 public:
  // Applies consecutive changes (valid during the call only).
  using Apply = std::function<absl::Status(absl::Span<const Change* const>)>;

  FeedFollower(std::string source, std::shared_ptr<grpc::Channel> channel, Apply apply,
               ReportingStore* store, FeedHealth* health, size_t batch = 1000)
      : source_(std::move(source)),
        channel_(channel),
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
      // An upgraded source may have StreamChangeBatches now.
      batches_refused_ = false;
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
    bool reached = false;
    absl::Status status;
    grpc::Status end;
    if (follow && batches_refused_) {
      Request request;
      request.set_after_sequence(after);
      request.set_no_follow(false);
      auto reader = stub_->StreamChanges(&context, request);
      health_->SetConnected(source_, true);
      status = ApplyLive(reader.get());
      if (!status.ok()) {
        context.TryCancel();
      }
      end = reader->Finish();
    } else if (!batches_refused_) {
      bool any = false;
      auto unpack = [](const Batch& batch, std::vector<const Change*>* into) {
        for (const auto& change : batch.changes()) {
          into->push_back(&change);
        }
      };
      end = follow ? FollowOver<BatchRequest, Batch>(&context, "StreamChangeBatches", after, unpack,
                                                     &status, &any)
                   : CatchUpOver<BatchRequest, Batch>(&context, "StreamChangeBatches", after, until,
                                                      unpack, &status, &reached, &any);
      // (A first message that did not parse is DATA_LOSS, not a fallback.)
      if (status.ok() && !any && end.error_code() == grpc::StatusCode::UNIMPLEMENTED) {
        // A source from before StreamChangeBatches: one change a message.
        LogInfo("the feed's source has no StreamChangeBatches; catching up one change a message",
                {{"source", source_}});
        batches_refused_ = true;
        {
          absl::MutexLock lock(&mu_);
          context_ = nullptr;
        }
        return Stream(after, follow, until, within);
      }
    } else {
      bool any = false;
      end = CatchUpOver<Request, Change>(
          &context, "StreamChanges", after, until,
          [](const Change& change, std::vector<const Change*>* into) { into->push_back(&change); },
          &status, &reached, &any);
    }
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

  // The path of `method` of the source's service.
  static std::string PathOf(const char* method) {
    return absl::StrCat("/", Service::service_full_name(), "/", method);
  }

  // A stream at `path` (which outlives the reader) after `after`, read as
  // bytes: its messages parsed by Parse into an arena (a typed reader would
  // take a message that does not parse for the stream's end).
  template <typename StreamRequest>
  std::unique_ptr<grpc::ClientReader<grpc::ByteBuffer>> OpenRaw(grpc::ClientContext* context,
                                                                const std::string& path,
                                                                int64_t after, bool follow) {
    StreamRequest request;
    request.set_after_sequence(after);
    request.set_no_follow(!follow);
    // The generated stub's own way to open a stream, with bytes for its
    // messages.
    return std::unique_ptr<grpc::ClientReader<grpc::ByteBuffer>>(
        grpc::internal::ClientReaderFactory<grpc::ByteBuffer>::Create(
            channel_.get(),
            grpc::internal::RpcMethod(path.c_str(), grpc::internal::RpcMethod::SERVER_STREAMING),
            context, request));
  }

  // `bytes` parsed into `arena` as a Message, its changes appended to
  // `into` by `unpack`; false if it does not parse.
  template <typename Message, typename Unpack>
  static bool Parse(grpc::ByteBuffer* bytes, google::protobuf::Arena* arena, const Unpack& unpack,
                    std::vector<const Change*>* into) {
    auto* message = google::protobuf::Arena::CreateMessage<Message>(arena);
    grpc::ProtoBufferReader stream(bytes);
    if (!message->ParseFromZeroCopyStream(&stream)) {
      return false;
    }
    unpack(*message, into);
    return true;
  }

  absl::Status NotTheFeeds(const char* method) const {
    return absl::DataLossError(
        absl::StrCat(source_, " feed: a message that is not the feed's (", method, ")"));
  }

  // Catches up over the stream of `method` after `after` (a message that
  // does not parse ends it with DATA_LOSS): the stream's end; `status` as
  // ApplyCatchingUp's, `any`: a message came.
  template <typename StreamRequest, typename Message, typename Unpack>
  grpc::Status CatchUpOver(grpc::ClientContext* context, const char* method, int64_t after,
                           int64_t until, const Unpack& unpack, absl::Status* status, bool* reached,
                           bool* any) {
    const std::string path = PathOf(method);
    auto reader = OpenRaw<StreamRequest>(context, path, after, /*follow=*/false);
    grpc::ByteBuffer bytes;
    bool corrupt = false;  // Written by the reading thread, read once it is joined.
    *status = ApplyCatchingUp(
        [&](google::protobuf::Arena* arena, std::vector<const Change*>* into) {
          if (!reader->Read(&bytes)) {
            return false;
          }
          if (!Parse<Message>(&bytes, arena, unpack, into)) {
            corrupt = true;
            return false;
          }
          *any = true;
          return true;
        },
        context, until, reached);
    if (corrupt && status->ok()) {
      *status = NotTheFeeds(method);
    }
    if (!status->ok() || *reached) {
      context->TryCancel();
    }
    return reader->Finish();
  }

  // Follows the stream of `method` live: each message's changes applied
  // in one transaction as it comes, on this thread. The stream's end;
  // `status`: the first error applying (or DATA_LOSS), `any` as above.
  template <typename StreamRequest, typename Message, typename Unpack>
  grpc::Status FollowOver(grpc::ClientContext* context, const char* method, int64_t after,
                          const Unpack& unpack, absl::Status* status, bool* any) {
    const std::string path = PathOf(method);
    auto reader = OpenRaw<StreamRequest>(context, path, after, /*follow=*/true);
    health_->SetConnected(source_, true);
    grpc::ByteBuffer bytes;
    std::vector<const Change*> changes;
    // Each message's changes, freed at once when it is applied.
    auto arena = NewArena();
    while (status->ok() && reader->Read(&bytes)) {
      if (!Parse<Message>(&bytes, arena.get(), unpack, &changes)) {
        *status = NotTheFeeds(method);
      } else {
        *any = true;
        *status = changes.empty() ? absl::OkStatus() : apply_(changes);
      }
      changes.clear();
      arena->Reset();
    }
    if (!status->ok()) {
      context->TryCancel();
    }
    return reader->Finish();
  }

  // Following a source without StreamChangeBatches live: each change
  // applied as it comes, on this thread.
  absl::Status ApplyLive(grpc::ClientReader<Change>* reader) {
    Change change;
    const Change* one = &change;
    while (reader->Read(&change)) {
      RETURN_IF_ERROR(apply_(absl::MakeConstSpan(&one, 1)));
    }
    return absl::OkStatus();
  }

  // Changes read, in the arena that holds them (a batch's messages are
  // parsed into one arena and freed at once: parsing into the heap, then
  // freeing, was half of the reading thread's time).
  struct ReadBatch {
    std::unique_ptr<google::protobuf::Arena> arena;
    std::vector<const Change*> changes;
  };
  // Batches read, waiting to be applied (ApplyCatchingUp).
  struct Pipe {
    static constexpr size_t kWaiting = 2;
    absl::Mutex mu;
    std::deque<ReadBatch> ready ABSL_GUARDED_BY(mu);
    // Applied, for the reader to free: freed by the thread that made them,
    // the applying thread spends no time on them.
    std::vector<ReadBatch> spent ABSL_GUARDED_BY(mu);
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
  // `read` parses the next message into the arena and appends its changes;
  // false at the stream's end.
  // Changes past `until` are not applied.
  absl::Status ApplyCatchingUp(
      const std::function<bool(google::protobuf::Arena*, std::vector<const Change*>*)>& read,
      grpc::ClientContext* context, int64_t until, bool* reached) {
    Pipe pipe;
    std::thread reading([&] {
      ReadBatch batch{NewArena(), {}};
      std::vector<ReadBatch> spent;
      bool last = false;
      while (!last && read(batch.arena.get(), &batch.changes)) {
        auto& changes = batch.changes;
        while (!changes.empty() && changes.back()->sequence() > until) {
          changes.pop_back();
        }
        last = !changes.empty() && changes.back()->sequence() >= until;
        if (last || changes.size() >= batch_) {
          {
            absl::MutexLock lock(&pipe.mu);
            pipe.mu.Await(absl::Condition(&Pipe::Room, &pipe));
            if (pipe.abandoned) {
              break;
            }
            pipe.ready.push_back(std::move(batch));
            spent.swap(pipe.spent);
          }
          batch = ReadBatch{NewArena(), {}};
          spent.clear();
        }
      }
      absl::MutexLock lock(&pipe.mu);
      if (!batch.changes.empty() && !pipe.abandoned) {
        pipe.ready.push_back(std::move(batch));
      }
      pipe.read_all = true;
    });
    absl::Status status;
    while (true) {
      ReadBatch batch;
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
      status = apply_(batch.changes);
      if (!status.ok()) {
        absl::MutexLock lock(&pipe.mu);
        pipe.abandoned = true;
        context->TryCancel();  // The reader's Read ends.
        break;
      }
      if (batch.changes.back()->sequence() >= until) {
        *reached = true;
      }
      absl::MutexLock lock(&pipe.mu);
      pipe.spent.push_back(std::move(batch));
    }
    reading.join();
    return status;
  }

  // An arena for a batch's messages: blocks from 64 KiB to 1 MiB (a batch
  // of 5,000 changes is about 2 MiB).
  static std::unique_ptr<google::protobuf::Arena> NewArena() {
    google::protobuf::ArenaOptions options;
    options.start_block_size = 64 << 10;
    options.max_block_size = 1 << 20;
    return std::make_unique<google::protobuf::Arena>(options);
  }

  const std::string source_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<typename Service::Stub> stub_;
  Apply apply_;
  ReportingStore* store_;
  FeedHealth* health_;
  const size_t batch_;
  // The source answered StreamChangeBatches UNIMPLEMENTED (this thread's;
  // tried again on each reconnect).
  bool batches_refused_ = false;
  absl::Mutex mu_;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ClientContext* context_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::thread thread_;
};

using RegistryFollower =
    FeedFollower<registry::v1::RegistryService, registry::v1::StreamChangesRequest,
                 registry::v1::StreamChangesResponse, registry::v1::StreamChangeBatchesRequest,
                 registry::v1::StreamChangeBatchesResponse>;
using QuotaFollower =
    FeedFollower<quota::v1::QuotaService, quota::v1::StreamChangesRequest,
                 quota::v1::StreamChangesResponse, quota::v1::StreamChangeBatchesRequest,
                 quota::v1::StreamChangeBatchesResponse>;

// The registry's and quota's feeds followed into `store`, `batch` changes
// a transaction while catching up.
struct Followers {
  Followers(std::shared_ptr<grpc::Channel> registry_channel,
            std::shared_ptr<grpc::Channel> quota_channel, ReportingStore* store, FeedHealth* health,
            size_t batch = 1000)
      : registry(
            kRegistrySource, std::move(registry_channel),
            [store](absl::Span<const registry::v1::StreamChangesResponse* const> c) {
              return store->ApplyRegistry(c);
            },
            store, health, batch),
        quota(
            kQuotaSource, std::move(quota_channel),
            [store](absl::Span<const quota::v1::StreamChangesResponse* const> c) {
              return store->ApplyQuota(c);
            },
            store, health, batch) {}

  RegistryFollower registry;
  QuotaFollower quota;
};

}  // namespace chitieu::reporting

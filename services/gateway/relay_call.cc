// One relayed call: authenticate, authorize, forward, audit (relay_call.h).

#include "services/gateway/relay_call.h"

#include <grpcpp/alarm.h>

#include <optional>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "google/protobuf/message.h"
#include "libs/common/byte_buffer.h"
#include "libs/common/grpc_status.h"
#include "libs/common/idempotency.h"
#include "libs/common/log.h"
#include "libs/common/principal.h"
#include "libs/common/server.h"
#include "services/gateway/local_call.h"
#include "services/gateway/relay_metadata.h"

namespace chitieu::gateway {
namespace {

constexpr size_t kMaxAuditedResources = 100;

// One proxied call: the caller's side (`stream_`) and the call to the
// service (`upstream_`), both on the queue `cq_`. Every method below runs
// on that queue's one thread, so the state needs no lock; a worker thread
// touches only what it was handed and the `handed_*` fields, and the queue
// hears of it through an alarm.
//
// Each operation started counts in `pending_` until its completion comes
// back; the call deletes itself when none is pending. The done-tag
// (AsyncNotifyWhenDone) comes back only for a call that was matched.
// Rules kept throughout: one read and one write at a time on each side;
// the next caller message is read only once the last one reached the
// service; the next response is read only once the last one reached the
// caller; the service's call is finished only with no read of it pending;
// the caller's call is finished once, never with a write to it pending.
class RelayCall : public LocalCallHost {
 public:
  // Waits for the next call on `cq`.
  static void Await(Proxy* proxy, grpc::ServerCompletionQueue* cq) {
    auto* call = new RelayCall(proxy, cq);
    call->ctx_.AsyncNotifyWhenDone(call->Begin(kDone));
    proxy->service()->RequestCall(&call->ctx_, &call->stream_, cq, cq, call->Begin(kRequested));
  }

  // An operation of some call's completed (on its queue's thread).
  static void Complete(void* tag, bool ok) {
    auto* t = static_cast<Tag*>(tag);
    RelayCall* call = t->call;
    --call->pending_;
    call->On(t->op, ok);
    if (call->pending_ == 0) {
      delete call;
    }
  }

 private:
  enum Op {
    kRequested,
    kDone,
    kCallerRead,
    kCallerWrite,
    kCallerFinish,
    kUpRead,
    kUpWrite,
    kUpWritesDone,
    kUpFinish,
    kAuthorized,
    kAudited,
    // A local call's (LocalCallHost::Op, in its order).
    kLocalRead,
    kLocalWrite,
    kLocalFinish,
    kLocalWake,
    kLocalAnswered,
    kOps
  };
  struct Tag {
    RelayCall* call;
    Op op;
  };

  RelayCall(Proxy* proxy, grpc::ServerCompletionQueue* cq)
      : proxy_(proxy), cq_(cq), stream_(&ctx_) {
    for (int i = 0; i < kOps; ++i) {
      tags_[i] = {this, static_cast<Op>(i)};
    }
  }
  ~RelayCall() {
    if (matched_) {
      proxy_->CallEnded();
    }
  }

  void* Begin(Op op) {
    ++pending_;
    return &tags_[op];
  }

  // LocalCallHost.
  void* BeginLocal(LocalCallHost::Op op) override { return Begin(LocalOp(op)); }
  bool HandLocal(LocalCallHost::Op op, std::function<void()> work) override {
    return Hand(LocalOp(op), proxy_->own_answers(), std::move(work));
  }
  grpc::GenericServerContext* context() override { return &ctx_; }
  grpc::GenericServerAsyncReaderWriter* stream() override { return &stream_; }
  grpc::ServerCompletionQueue* queue() override { return cq_; }
  static Op LocalOp(LocalCallHost::Op op) {
    return static_cast<Op>(static_cast<int>(kLocalRead) + static_cast<int>(op));
  }

  void On(Op op, bool ok) {
    switch (op) {
      case kRequested:
        return OnMatched(ok);
      case kDone:
        if (ctx_.IsCancelled()) {
          caller_cancelled_ = true;
          if (local_ != nullptr) {
            return local_->Cancelled();
          }
          Abandon();
        }
        return;
      case kCallerRead:
        return ok ? OnCallerMessage() : OnCallerClosed();
      case kCallerWrite:
        return OnCallerWritten(ok);
      case kUpRead:
        up_reading_ = false;
        return ok ? OnResponse() : FinishUpstream();
      case kUpWrite:
        if (!ok) {
          up_write_closed_ = true;  // The service's side is gone: its status says why.
          return;
        }
        return ReadCaller();
      case kUpFinish:
        up_finished_ = true;
        return FinishCaller(up_status_);
      case kAuthorized:
        handed_alarm_.reset();
        if (finishing_) {
          // It ended while the worker decided (the caller cancelled, the
          // service finished): what the worker resolved, and a refusal,
          // still reach the audit.
          Resolved(std::move(handed_decision_));
          if (!handed_status_.ok() && !audited_outcome_) {
            audited_outcome_ = ToGrpcStatus(handed_status_);
          }
          return ContinueFinish();
        }
        return OnAuthorized(handed_status_, std::move(handed_decision_));
      case kAudited:
        handed_alarm_.reset();
        return SendFinish();
      case kLocalAnswered:
        handed_alarm_.reset();
        [[fallthrough]];
      case kLocalRead:
      case kLocalWrite:
      case kLocalFinish:
      case kLocalWake:
        return local_->On(static_cast<LocalCallHost::Op>(op - kLocalRead), ok);
      case kCallerFinish:
      case kUpWritesDone:
      case kOps:
        return;
    }
  }

  void OnMatched(bool ok) {
    if (!ok) {
      --pending_;  // Shutting down: the done-tag of an unmatched call never comes.
      return;
    }
    matched_ = true;
    proxy_->CallBegan();
    Await(proxy_, cq_);
    method_ = ctx_.method();
    request_id_ = ClientMetadata(ctx_, kRequestIdHeader);
    if (!AuditableRequestId(request_id_)) {
      request_id_ = NewRequestId();
    }
    const Proxy::Upstream upstream = proxy_->UpstreamFor(method_);
    stub_ = upstream.stub;
    if (stub_ == nullptr) {
      // Not a backend's: the gateway's own methods, health and reflection
      // are answered here (each admits its caller itself, or needs none).
      const LocalMethod* local = proxy_->LocalMethodOf(method_);
      if (local == nullptr) {
        return FinishCaller(grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                                         absl::StrCat("the gateway does not serve ", method_)));
      }
      local_ = std::make_unique<LocalCall>(this, local);
      return local_->Start();
    }
    auto principal = AdmitAtEdge(*proxy_->config().keys, proxy_->config().limits, ctx_);
    if (!principal.ok()) {
      return FinishCaller(ToGrpcStatus(principal.status()));
    }
    principal_ = *principal;
    const auto* method = google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
        method_.size() > 1 ? std::string(absl::StrReplaceAll(method_.substr(1), {{"/", "."}}))
                           : "");
    if (method == nullptr) {
      return FinishCaller(grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                                       absl::StrCat("the gateway does not serve ", method_)));
    }
    if (!upstream.reachable) {
      return FinishCaller(grpc::Status(
          grpc::StatusCode::UNAVAILABLE,
          absl::StrCat(Proxy::ServiceOf(method_), " is unavailable; retry with backoff")));
    }
    input_type_ = method->input_type();
    client_streaming_ = method->client_streaming();
    server_streaming_ = method->server_streaming();
    auto access = AccessOf(method_);
    mutation_ = access.ok() && IsMutation(*access);
    ReadCaller();
  }

  void ReadCaller() {
    if (finishing_ || caller_cancelled_) {
      return;
    }
    stream_.Read(&request_, Begin(kCallerRead));
  }

  // A message from the caller: parse it once, authorize it, pass it on.
  void OnCallerMessage() {
    if (finishing_) {
      return;
    }
    std::string bytes;
    const google::protobuf::Message* prototype =
        google::protobuf::MessageFactory::generated_factory()->GetPrototype(input_type_);
    std::shared_ptr<google::protobuf::Message> message(prototype->New());
    if (!ByteBufferToString(request_, &bytes) || !message->ParseFromString(bytes)) {
      return Refuse(
          grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "the request cannot be parsed"));
    }
    // The proxy is one generic stream for every shape; a method that takes
    // one request gets one.
    if (!client_streaming_ && ++messages_ > 1) {
      return Refuse(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                 absl::StrCat(method_, " takes one request message")));
    }
    if (body_request_id_.empty()) {
      body_request_id_ = RequestIdOf(*message);
    }
    Decision decision;
    absl::Status allowed;
    bool missed;
    {
      RememberedOnly remembered;
      allowed = proxy_->config().policy->Authorize(principal_, method_, *message, &decision);
      missed = remembered.missed();
    }
    if (!missed) {
      return OnAuthorized(allowed, std::move(decision));
    }
    // A look-up must wait for a peer: not on this thread. With too many
    // waiting already (a registry that does not answer), the call is
    // refused at once rather than queued without end.
    if (!Hand(kAuthorized, proxy_->lookups(), [this, message] {
          handed_decision_ = Decision();
          handed_status_ =
              proxy_->config().policy->Authorize(principal_, method_, *message, &handed_decision_);
        })) {
      return Refuse(
          grpc::Status(grpc::StatusCode::UNAVAILABLE,
                       "the gateway is waiting on too many look-ups; retry with backoff"));
    }
  }

  // What the declaration resolved, across every message of a stream.
  void Resolved(Decision decision) {
    for (auto& r : decision.resources) {
      if (resources_.size() < kMaxAuditedResources) {
        resources_.push_back(std::move(r));
      }
    }
    units_.insert(decision.units.begin(), decision.units.end());
  }

  void OnAuthorized(const absl::Status& allowed, Decision decision) {
    Resolved(std::move(decision));
    if (!allowed.ok()) {
      return Refuse(ToGrpcStatus(allowed));
    }
    if (finishing_ || caller_cancelled_) {
      return;
    }
    StartUpstream();
    if (up_write_closed_) {
      return;  // The service's side is gone; its status is on the way.
    }
    if (client_streaming_) {
      upstream_->Write(request_, Begin(kUpWrite));
    } else {
      // The one request and the half-close in one go.
      upstream_->Write(request_, grpc::WriteOptions().set_last_message(), Begin(kUpWrite));
      up_write_closed_ = true;
    }
  }

  // The caller half-closed (or is gone; then kDone says so).
  void OnCallerClosed() {
    if (finishing_ || caller_cancelled_) {
      return;
    }
    if (!client_streaming_ && messages_ == 0) {
      return FinishCaller(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                       absl::StrCat(method_, " takes one request message")));
    }
    StartUpstream();  // A stream of no messages still reaches the service.
    if (!up_write_closed_) {
      up_write_closed_ = true;
      upstream_->WritesDone(Begin(kUpWritesDone));
    }
  }

  void StartUpstream() {
    if (upstream_ != nullptr) {
      return;
    }
    PrepareUpstreamContext(ctx_, principal_, request_id_, proxy_->config().default_deadline_ms,
                           &up_ctx_);
    // The headers leave with the first message (or the half-close): no
    // packet of their own, and no completion to wait for.
    up_ctx_.set_initial_metadata_corked(true);
    upstream_ = stub_->PrepareCall(&up_ctx_, method_, cq_);
    upstream_->StartCall(nullptr);
    up_reading_ = true;
    upstream_->Read(&response_, Begin(kUpRead));
  }

  // A response from the service.
  void OnResponse() {
    if (finishing_ || caller_cancelled_) {
      return FinishUpstream();
    }
    if (!server_streaming_) {
      // The one response: it leaves with the status.
      have_response_ = true;
      return FinishUpstream();
    }
    caller_writing_ = true;
    stream_.Write(response_, Begin(kCallerWrite));
  }

  void OnCallerWritten(bool ok) {
    caller_writing_ = false;
    if (deferred_finish_) {
      grpc::Status status = *deferred_finish_;
      deferred_finish_.reset();
      FinishCaller(status);
    }
    if (!ok || finishing_ || caller_cancelled_) {
      up_ctx_.TryCancel();
      return FinishUpstream();
    }
    up_reading_ = true;
    upstream_->Read(&response_, Begin(kUpRead));
  }

  // The service's status, once no read of it is pending.
  void FinishUpstream() {
    if (up_finishing_ || up_reading_) {
      return;
    }
    up_finishing_ = true;
    upstream_->Finish(&up_status_, Begin(kUpFinish));
  }

  // The caller went away: the service's call is cancelled (its status then
  // finishes the caller's side), or, if never started, the caller's side is
  // finished here.
  void Abandon() {
    if (upstream_ != nullptr) {
      if (!up_finished_) {
        up_ctx_.TryCancel();
      }
      return;
    }
    FinishCaller(grpc::Status(grpc::StatusCode::CANCELLED, "the caller cancelled"));
  }

  // Ends the call with `status` before (or instead of) what the service
  // would say. A refusal, once made, is the answer whatever else ends the
  // call (the cancelled service's status among them).
  void Refuse(const grpc::Status& status) {
    if (!refusal_) {
      refusal_ = status;
    }
    if (upstream_ != nullptr && !up_finished_) {
      up_ctx_.TryCancel();
    }
    FinishCaller(status);
  }

  // Finishes the caller's call once, after its write in flight if any;
  // mutations and refusals are audited first, on a worker.
  void FinishCaller(const grpc::Status& given) {
    if (finishing_) {
      return;
    }
    grpc::Status status = refusal_ ? *refusal_ : given;
    if (caller_writing_) {
      if (!deferred_finish_) {
        deferred_finish_ = status;
      }
      return;
    }
    finishing_ = true;
    final_status_ = status;
    ContinueFinish();
  }

  void ContinueFinish() {
    if (handed_alarm_ != nullptr) {
      return;  // A worker is deciding; its answer comes back here.
    }
    if (!audited_outcome_) {
      audited_outcome_ = final_status_;
    }
    const bool refused = audited_outcome_->error_code() == grpc::StatusCode::PERMISSION_DENIED;
    if ((mutation_ || refused) && proxy_->config().audit != nullptr && !principal_.name.empty() &&
        input_type_ != nullptr) {
      Hand(kAudited, proxy_->audits(), [this] { Audit(); });  // Never refused.
      return;
    }
    SendFinish();
  }

  void SendFinish() {
    if (!principal_.name.empty()) {
      LogPrincipal(&ctx_, principal_.name);
    }
    if (have_response_ && final_status_.ok()) {
      stream_.WriteAndFinish(response_, grpc::WriteOptions(), final_status_, Begin(kCallerFinish));
    } else {
      stream_.Finish(final_status_, Begin(kCallerFinish));
    }
  }

  // On a worker: the audit entry of the call as it ends.
  void Audit() {
    v1::AuditEntry entry;
    entry.set_principal(principal_.name);
    entry.set_method(method_);
    if (!resources_.empty()) {
      entry.set_resource(resources_.front());
    }
    for (const auto& r : resources_) {
      entry.add_resources(r);
    }
    // Also the caller's own units: a district's auditor sees what its
    // officers tried elsewhere.
    std::set<std::string> units = units_;
    for (const auto& scope_unit : principal_.scope) {
      auto line = proxy_->config().policy->UnitAndAncestors(scope_unit);
      if (line.ok()) {
        units.insert(line->begin(), line->end());
      }
    }
    for (const auto& u : units) {
      entry.add_units(u);
    }
    entry.set_request_id(body_request_id_.empty() ? request_id_ : body_request_id_);
    entry.set_outcome(
        absl::StatusCodeToString(static_cast<absl::StatusCode>(audited_outcome_->error_code())));
    if (auto s = proxy_->config().audit->Append(entry); !s.ok()) {
      LogError("cannot append to the audit log", {{"error", s.ToString()}});
    }
  }

  // Runs `work` on `pool`, then `op` on this call's queue; false (and
  // nothing started) if the pool's queue is full. One at a time: the call
  // waits for it (no read of the caller is started meanwhile, and the
  // audit comes after every authorization).
  bool Hand(Op op, WorkerPool* pool, std::function<void()> work) {
    auto alarm = std::make_unique<grpc::Alarm>();
    const bool taken =
        pool->Run([work = std::move(work), alarm = alarm.get(), tag = &tags_[op], cq = cq_] {
          work();
          alarm->Set(cq, gpr_now(GPR_CLOCK_MONOTONIC), tag);
        });
    if (taken) {
      ++pending_;  // As Begin(op); counted here, as the task may not be taken.
      handed_alarm_ = std::move(alarm);
    }
    return taken;
  }

  Proxy* proxy_;
  grpc::ServerCompletionQueue* cq_;
  Tag tags_[kOps];
  int pending_ = 0;
  bool matched_ = false;

  grpc::GenericServerContext ctx_;
  grpc::GenericServerAsyncReaderWriter stream_;
  grpc::ClientContext up_ctx_;
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> upstream_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
  grpc::Status up_status_;

  std::string method_;
  Principal principal_;
  grpc::GenericStub* stub_ = nullptr;
  const google::protobuf::Descriptor* input_type_ = nullptr;
  bool client_streaming_ = false;
  bool server_streaming_ = false;
  bool mutation_ = false;
  int messages_ = 0;                  // From the caller, of a method that takes one.
  std::unique_ptr<LocalCall> local_;  // A call the gateway answers itself.
  std::string request_id_;
  std::string body_request_id_;
  std::vector<std::string> resources_;
  std::set<std::string> units_;

  bool caller_cancelled_ = false;
  bool caller_writing_ = false;
  bool finishing_ = false;
  bool have_response_ = false;
  bool up_reading_ = false;
  bool up_write_closed_ = false;
  bool up_finishing_ = false;
  bool up_finished_ = false;
  std::optional<grpc::Status> deferred_finish_;
  std::optional<grpc::Status> refusal_;
  grpc::Status final_status_;
  // What the audit entry says: the final status, or a refusal decided
  // after the call had ended otherwise.
  std::optional<grpc::Status> audited_outcome_;

  // What a worker was handed and answers (read on the queue's thread only
  // after its alarm has come back).
  std::unique_ptr<grpc::Alarm> handed_alarm_;
  absl::Status handed_status_;
  Decision handed_decision_;
};

}  // namespace

void AwaitCall(Proxy* proxy, grpc::ServerCompletionQueue* cq) { RelayCall::Await(proxy, cq); }

void CompleteRelayOp(void* tag, bool ok) { RelayCall::Complete(tag, ok); }

}  // namespace chitieu::gateway

// The generic gRPC proxy: authenticate, authorize, audit, forward (proxy.h).

#include "services/gateway/proxy.h"

#include <atomic>
#include <optional>
#include <set>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/dynamic_message.h"
#include "libs/common/byte_buffer.h"
#include "libs/common/grpc_status.h"
#include "libs/common/idempotency.h"
#include "libs/common/log.h"
#include "libs/common/principal.h"
#include "libs/common/server.h"

namespace chitieu::gateway {
namespace {

// Caller metadata passed on to the service: everything but credentials,
// gRPC's own and the headers the gateway alone may set.
bool Forwardable(absl::string_view key) {
  return key != "authorization" && !absl::StartsWith(key, "x-chitieu-") &&
         !absl::StartsWith(key, "grpc-") && !absl::StartsWith(key, ":") &&
         key != kRequestIdHeader && key != "content-type" && key != "te" && key != "user-agent";
}

std::string NewRequestId() {
  static std::atomic<uint64_t> counter{0};
  return absl::StrCat("gw-", absl::ToUnixNanos(absl::Now()), "-", counter.fetch_add(1));
}

// The request's own request_id, if it is one the audit log may keep: the
// services' shape (1 to 128 of letters, digits, '.', '_', ':', '-'); the
// log stores nothing else a caller wrote.
std::string RequestIdOf(const google::protobuf::Message& m) {
  const auto* f = m.GetDescriptor()->FindFieldByName("request_id");
  if (f == nullptr || f->type() != google::protobuf::FieldDescriptor::TYPE_STRING) {
    return "";
  }
  std::string id = m.GetReflection()->GetString(m, f);
  return AuditableRequestId(id) ? id : "";
}

constexpr size_t kMaxAuditedResources = 100;

// One proxied call: the server side faces the caller, `upstream_` the
// service. Reactions of both sides serialise on `mu_`; gRPC operations are
// started after the lock is released.
//
// Lifetimes: the upstream reactor delivers OnDone as soon as it has its
// status and no operation is pending, after which no operation may be
// started on it. Holds keep it open while we may still start one: the
// write hold until we half-close (or give up writing), and a read hold for
// each response from when it arrives until its write to the caller
// completes and the next read is started. (Read holds can overlap: the
// next response may arrive before the previous hold is given back, so
// they are counted by the writes, not tracked by a flag.) The object is
// deleted once both sides are done.
class ProxyCall : public grpc::ServerGenericBidiReactor {
 public:
  ProxyCall(Proxy* proxy, grpc::GenericCallbackServerContext* ctx)
      : proxy_(proxy), ctx_(ctx), method_(ctx->method()), upstream_(this) {
    auto principal = AdmitAtEdge(*proxy_->config().keys, proxy_->config().limits, *ctx);
    if (!principal.ok()) {
      FinishNow(ToGrpcStatus(principal.status()));
      return;
    }
    principal_ = *principal;
    stub_ = proxy_->StubFor(method_);
    const auto* method = google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
        method_.size() > 1 ? std::string(absl::StrReplaceAll(method_.substr(1), {{"/", "."}}))
                           : "");
    if (stub_ == nullptr || method == nullptr) {
      FinishNow(grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                             absl::StrCat("the gateway does not serve ", method_)));
      return;
    }
    if (!proxy_->BackendReachable(method_)) {
      FinishNow(grpc::Status(
          grpc::StatusCode::UNAVAILABLE,
          absl::StrCat(Proxy::ServiceOf(method_), " is unavailable; retry with backoff")));
      return;
    }
    input_type_ = method->input_type();
    client_streaming_ = method->client_streaming();
    auto access = AccessOf(method_);
    mutation_ = access.ok() && IsMutation(*access);
    request_id_ = ClientMetadata(*ctx, kRequestIdHeader);
    if (!AuditableRequestId(request_id_)) {
      request_id_ = NewRequestId();
    }
    StartRead(&request_);
  }

  // A message from the caller, or its half-close.
  void OnReadDone(bool ok) override {
    if (!ok) {
      if (!EnsureUpstream()) {
        return;
      }
      if (BeginUpstreamWrite()) {
        upstream_.StartWritesDone();
        EndUpstreamWrite();
      }
      ReleaseWriteHold();
      return;
    }
    std::string bytes;
    google::protobuf::DynamicMessageFactory factory;
    std::unique_ptr<google::protobuf::Message> message(factory.GetPrototype(input_type_)->New());
    if (!ByteBufferToString(request_, &bytes) || !message->ParseFromString(bytes)) {
      Refuse(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "the request cannot be parsed"));
      return;
    }
    // The proxy is one generic stream for every shape; a method that takes
    // one request gets one.
    if (!client_streaming_ && ++messages_ > 1) {
      Refuse(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          absl::StrCat(method_, " takes one request message")));
      return;
    }
    Decision decision;
    absl::Status allowed =
        proxy_->config().policy->Authorize(principal_, method_, *message, &decision);
    if (body_request_id_.empty()) {
      body_request_id_ = RequestIdOf(*message);
    }
    // What the declaration resolved, across every message of a stream.
    for (auto& r : decision.resources) {
      if (resources_.size() < kMaxAuditedResources) {
        resources_.push_back(std::move(r));
      }
    }
    units_.insert(decision.units.begin(), decision.units.end());
    if (!allowed.ok()) {
      Refuse(ToGrpcStatus(allowed));
      return;
    }
    if (!EnsureUpstream() || !BeginUpstreamWrite()) {
      return;
    }
    upstream_.StartWrite(&request_);
    EndUpstreamWrite();
  }

  // A response was written to the caller: read the next one.
  void OnWriteDone(bool ok) override {
    std::optional<grpc::Status> deferred;
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      deferred = pending_finish_;
    }
    // Each write to the caller took one read hold (SendToCaller); this
    // completion gives exactly that one back.
    if (deferred) {
      upstream_.RemoveHold();
      FinishNow(*deferred);
      return;
    }
    if (!ok) {
      upstream_context_.TryCancel();
      upstream_.RemoveHold();
      return;
    }
    upstream_.StartRead(&response_);
    upstream_.RemoveHold();
  }

  void OnCancel() override { StopUpstream(); }

  void OnDone() override { Unref(); }

 private:
  class Upstream : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
   public:
    explicit Upstream(ProxyCall* call) : call_(call) {}
    void OnReadDone(bool ok) override {
      if (ok) {
        call_->SendToCaller();
      }
    }
    void OnWriteDone(bool ok) override {
      if (ok) {
        call_->ReadFromCaller();
      } else {
        call_->ReleaseWriteHold();  // The service's side is gone: no more writes.
      }
    }
    void OnDone(const grpc::Status& status) override {
      call_->UpstreamDone(status);
      call_->Unref();  // The last thing: the call may be deleted here.
    }

   private:
    ProxyCall* call_;
  };

  // Starts the call to the service once; false if the caller's call is
  // already finished.
  bool EnsureUpstream() {
    bool start = false;
    {
      absl::MutexLock lock(&mu_);
      if (finished_) {
        return false;
      }
      start = !started_;
      started_ = true;
      if (start) {
        write_hold_ = true;
      }
    }
    if (start) {
      StartUpstream();
    }
    return true;
  }

  void StartUpstream() {
    for (const auto& [key, value] : ctx_->client_metadata()) {
      std::string k(key.data(), key.size());
      std::string v(value.data(), value.size());
      // Binary metadata (-bin) carries any bytes; any other value must be
      // one gRPC accepts, or it is dropped (never an abort).
      if (Forwardable(k) && (absl::EndsWith(k, "-bin") || SafeMetadataValue(v))) {
        upstream_context_.AddMetadata(k, v);
      }
    }
    AddPrincipal(principal_, &upstream_context_);
    upstream_context_.AddMetadata(kRequestIdHeader, request_id_);
    const auto caller_deadline = ctx_->deadline();
    const auto default_deadline = std::chrono::system_clock::now() +
                                  std::chrono::milliseconds(proxy_->config().default_deadline_ms);
    upstream_context_.set_deadline(caller_deadline == std::chrono::system_clock::time_point::max()
                                       ? default_deadline
                                       : caller_deadline);
    refs_.fetch_add(1, std::memory_order_relaxed);  // Given back by Upstream::OnDone.
    stub_->PrepareBidiStreamingCall(&upstream_context_, method_, grpc::StubOptions(), &upstream_);
    upstream_.AddHold();  // The write hold.
    upstream_.StartRead(&response_);
    upstream_.StartCall();
    // A cancellation that came while the call was being prepared (OnCancel
    // runs on another thread) is carried out now that there is a call.
    bool stop;
    {
      absl::MutexLock lock(&mu_);
      prepared_ = true;
      stop = stop_requested_;
    }
    if (stop) {
      upstream_context_.TryCancel();
      ReleaseWriteHold();
    }
  }

  // A request reached the service: take the caller's next message.
  void ReadFromCaller() {
    {
      absl::MutexLock lock(&mu_);
      if (finished_) {
        return;
      }
    }
    StartRead(&request_);
  }

  // A response from the service: pass it on, holding the upstream open
  // until the next read is started.
  void SendToCaller() {
    {
      absl::MutexLock lock(&mu_);
      if (finished_) {
        return;
      }
      writing_ = true;
    }
    // Inside the upstream's OnReadDone reaction, so it cannot be done yet.
    upstream_.AddHold();
    StartWrite(&response_);
  }

  // Writes to the service happen under the write hold: StopUpstream, on
  // another thread, may give it back at any time, and a write started on
  // a call that has finished meanwhile touches freed memory (a crash found
  // with oversized messages). So a write being started keeps the hold
  // until its Start returns; then the write itself keeps the call alive.
  bool BeginUpstreamWrite() {
    absl::MutexLock lock(&mu_);
    if (!write_hold_) {
      return false;
    }
    ++writes_starting_;
    return true;
  }
  void EndUpstreamWrite() {
    bool release;
    {
      absl::MutexLock lock(&mu_);
      release = --writes_starting_ == 0 && release_pending_;
      if (release) {
        release_pending_ = false;
      }
    }
    if (release) {
      upstream_.RemoveHold();
    }
  }
  // Gives the write hold back, once (after a write being started, if any).
  void ReleaseWriteHold() {
    {
      absl::MutexLock lock(&mu_);
      if (!write_hold_) {
        return;
      }
      write_hold_ = false;
      if (writes_starting_ > 0) {
        release_pending_ = true;
        return;
      }
    }
    upstream_.RemoveHold();
  }

  // Ends the call with `status` before (or instead of) what the service
  // would say: stops the upstream, if started.
  // The refusal is recorded first: stopping the upstream ends it on
  // another thread with CANCELLED, and that must not reach the caller in
  // its place (a race seen once in CI: the caller got CANCELLED).
  void Refuse(const grpc::Status& status) {
    {
      absl::MutexLock lock(&mu_);
      if (!refusal_) {
        refusal_ = status;
      }
    }
    StopUpstream();
    FinishNow(status);
  }

  // Cancels the call to the service, if it was started, and gives back the
  // write hold: nothing more will be written to it. If the call is still
  // being prepared on another thread, StartUpstream does this once it is.
  // (Found by an oversized message: the failed read and the cancellation
  // came on two threads, and the hold was removed from a call not yet
  // prepared — a crash of the gateway.)
  void StopUpstream() {
    bool prepared;
    {
      absl::MutexLock lock(&mu_);
      stop_requested_ = true;
      prepared = prepared_;
    }
    if (prepared) {
      upstream_context_.TryCancel();
      ReleaseWriteHold();
    }
  }

  void UpstreamDone(const grpc::Status& status) {
    bool finish_now = false;
    {
      absl::MutexLock lock(&mu_);
      upstream_done_ = true;
      if (writing_) {
        pending_finish_ = status;
      } else {
        finish_now = true;
      }
    }
    if (finish_now) {
      FinishNow(status);
    }
  }

  // The call is deleted when both its sides are done with it: the caller's
  // (OnDone) and, once started, the service's (Upstream::OnDone, after its
  // reaction has run to the end). A flag read under the lock could not say
  // that: the caller's OnDone, on another thread, deleted the call while
  // the upstream's OnDone was still running (a crash found with oversized
  // messages).
  void Unref() {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      delete this;
    }
  }

  // Finishes the caller's call once, auditing mutations and refusals. A
  // refusal, once made, is the answer whatever else ends the call.
  void FinishNow(const grpc::Status& given) {
    grpc::Status status = given;
    {
      absl::MutexLock lock(&mu_);
      if (finished_) {
        return;
      }
      if (refusal_) {
        status = *refusal_;
      }
      if (writing_) {
        // A response is being written to the caller: Finish must wait for
        // it (OnWriteDone finishes), or the write would outlive the call.
        if (!pending_finish_) {
          pending_finish_ = status;
        }
        return;
      }
      finished_ = true;
      pending_finish_.reset();
    }
    const bool refused = status.error_code() == grpc::StatusCode::PERMISSION_DENIED;
    if ((mutation_ || refused) && proxy_->config().audit != nullptr && !principal_.name.empty() &&
        input_type_ != nullptr) {
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
          absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())));
      if (auto s = proxy_->config().audit->Append(entry); !s.ok()) {
        LogError("cannot append to the audit log", {{"error", s.ToString()}});
      }
    }
    if (!principal_.name.empty()) {
      LogPrincipal(ctx_, principal_.name);
    }
    Finish(status);
  }

  Proxy* proxy_;
  grpc::GenericCallbackServerContext* ctx_;
  const std::string method_;
  Principal principal_;
  grpc::GenericStub* stub_ = nullptr;
  const google::protobuf::Descriptor* input_type_ = nullptr;
  bool client_streaming_ = false;
  int messages_ = 0;  // From the caller (read one at a time).
  bool mutation_ = false;
  std::string request_id_;
  std::string body_request_id_;
  std::vector<std::string> resources_;
  std::set<std::string> units_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
  grpc::ClientContext upstream_context_;
  Upstream upstream_;

  absl::Mutex mu_;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  // The upstream call exists (StartUpstream got past preparing it), and
  // whether it was to be stopped meanwhile.
  bool prepared_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_requested_ ABSL_GUARDED_BY(mu_) = false;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<int> refs_{1};  // The caller's side's; see Unref.
  bool upstream_done_ ABSL_GUARDED_BY(mu_) = false;
  bool write_hold_ ABSL_GUARDED_BY(mu_) = false;
  int writes_starting_ ABSL_GUARDED_BY(mu_) = 0;
  bool release_pending_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<grpc::Status> pending_finish_ ABSL_GUARDED_BY(mu_);
  std::optional<grpc::Status> refusal_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

Proxy::Proxy(ProxyConfig config) : config_(std::move(config)) {
  for (const auto& [service, channel] : config_.backends) {
    stubs_[service] = std::make_unique<grpc::GenericStub>(channel);
    channels_[service] = channel;
  }
}

std::string Proxy::ServiceOf(const std::string& method) {
  if (method.size() < 2) {
    return "";
  }
  return method.substr(1, method.find('/', 1) - 1);
}

grpc::GenericStub* Proxy::StubFor(const std::string& method) {
  auto it = stubs_.find(ServiceOf(method));
  return it == stubs_.end() ? nullptr : it->second.get();
}

bool Proxy::BackendReachable(const std::string& method) const {
  auto it = channels_.find(ServiceOf(method));
  return it == channels_.end() ||
         it->second->GetState(/*try_to_connect=*/false) != GRPC_CHANNEL_TRANSIENT_FAILURE;
}

grpc::ServerGenericBidiReactor* Proxy::CreateReactor(grpc::GenericCallbackServerContext* ctx) {
  return new ProxyCall(this, ctx);
}

}  // namespace chitieu::gateway

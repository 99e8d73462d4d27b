// The generic gRPC proxy's queues and threads (proxy.h); each call's steps
// are relay_call.cc's.

#include "services/gateway/proxy.h"

#include <algorithm>
#include <optional>

#include "services/gateway/relay_call.h"

namespace chitieu::gateway {
namespace {

// Calls waiting on each queue to be matched (more than one, so a burst of
// new calls does not wait for its thread to ask again).
constexpr int kWaitingCalls = 8;

// Threads for the gateway's own answers that wait, and how many may wait
// for one (more: UNAVAILABLE at once).
constexpr int kOwnAnswerThreads = 2;
constexpr size_t kOwnAnswersWaiting = 64;

// Runs what comes back on `cq` until it is shut down and drained.
void Drain(grpc::ServerCompletionQueue* cq) {
  void* tag = nullptr;
  bool ok = false;
  while (cq->Next(&tag, &ok)) {
    CompleteRelayOp(tag, ok);
  }
}

}  // namespace

Proxy::Proxy(ProxyConfig config)
    : config_(std::move(config)),
      lookups_(std::max(1, config_.lookup_threads), config_.max_waiting_lookups),
      audits_(1),
      own_answers_(kOwnAnswerThreads, kOwnAnswersWaiting) {
  for (const auto& [service, channels] : config_.backends) {
    auto backend = std::make_unique<Backend>();
    for (const auto& channel : channels) {
      backend->channels.push_back(channel.get());
      backend->stubs.push_back(std::make_unique<grpc::GenericStub>(channel));
    }
    if (!backend->stubs.empty()) {
      backends_[service] = std::move(backend);
    }
    // Connected before the first call (an idle channel connects only when
    // asked): calls then find a connection ready.
    for (const auto& channel : channels) {
      channel->GetState(/*try_to_connect=*/true);
    }
  }
}

void Proxy::Register(grpc::ServerBuilder* builder) {
  builder->RegisterAsyncGenericService(&service_);
  for (int i = 0; i < std::max(1, config_.relay_threads); ++i) {
    queues_.push_back(builder->AddCompletionQueue());
  }
}

void Proxy::Start() {
  for (auto& queue : queues_) {
    for (int i = 0; i < kWaitingCalls; ++i) {
      AwaitCall(this, queue.get());
    }
    threads_.emplace_back([cq = queue.get()] { Drain(cq); });
  }
}

void Proxy::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) {
      return;
    }
    stopped_ = true;
    // The server has shut down, so every matched call is ending; their
    // last operations still need the queues.
    mu_.Await(absl::Condition(
        +[](int* live) { return *live == 0; }, &live_calls_));
  }
  lookups_.Stop();
  audits_.Stop();
  own_answers_.Stop();
  for (auto& queue : queues_) {
    queue->Shutdown();
  }
  if (threads_.empty()) {
    // Never started: what was asked of the queues comes back here.
    for (auto& queue : queues_) {
      Drain(queue.get());
    }
  }
  for (auto& t : threads_) {
    t.join();
  }
}

void Proxy::CallBegan() {
  absl::MutexLock lock(&mu_);
  ++live_calls_;
}

void Proxy::CallEnded() {
  absl::MutexLock lock(&mu_);
  --live_calls_;
}

std::string Proxy::ServiceOf(const std::string& method) {
  if (method.size() < 2) {
    return "";
  }
  return method.substr(1, method.find('/', 1) - 1);
}

Proxy::Upstream Proxy::UpstreamFor(const std::string& method) {
  auto it = backends_.find(ServiceOf(method));
  if (it == backends_.end()) {
    return {};
  }
  Backend& backend = *it->second;
  const size_t n = backend.stubs.size();
  const size_t first = backend.next.fetch_add(1, std::memory_order_relaxed) % n;
  // The first connected one from this call's turn on; failing that, the
  // first that may yet connect (an idle one is asked to). The turns taken
  // past the one chosen move on with it: the connection after a down one
  // does not take two turns.
  std::optional<size_t> pending;
  auto take = [&](size_t k) -> Upstream {
    if (k > 0) {
      backend.next.fetch_add(k, std::memory_order_relaxed);
    }
    return {backend.stubs[(first + k) % n].get(), true};
  };
  for (size_t k = 0; k < n; ++k) {
    const size_t i = (first + k) % n;
    const grpc_connectivity_state state = backend.channels[i]->GetState(/*try_to_connect=*/false);
    if (state == GRPC_CHANNEL_READY) {
      return take(k);
    }
    if (state == GRPC_CHANNEL_IDLE) {
      backend.channels[i]->GetState(/*try_to_connect=*/true);
    }
    if (state != GRPC_CHANNEL_TRANSIENT_FAILURE && !pending) {
      pending = k;
    }
  }
  if (pending) {
    return take(*pending);
  }
  return {backend.stubs[first].get(), false};
}

const LocalMethod* Proxy::LocalMethodOf(const std::string& method) const {
  auto it = config_.local_methods.find(method);
  return it == config_.local_methods.end() ? nullptr : &it->second;
}

}  // namespace chitieu::gateway

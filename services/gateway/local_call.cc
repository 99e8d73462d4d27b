// One call the gateway answers itself (local_call.h), as a state machine
// on its relayed call's queue. Rules kept: one read and one write at a
// time; the call is finished once, never with a write pending or while a
// worker holds it.

#include "services/gateway/local_call.h"

#include <atomic>
#include <chrono>

#include "absl/strings/str_cat.h"

namespace chitieu::gateway {
namespace {

// How often a watch looks at its answer again: a change reaches the
// watcher within this (the backends' health itself is probed every few
// seconds).
constexpr std::chrono::milliseconds kWatchEvery(1000);

// Watches open at once in the process, every caller together (a watch
// needs no credential): more are refused RESOURCE_EXHAUSTED.
constexpr int kMaxWatches = 1000;
std::atomic<int> open_watches{0};

}  // namespace

LocalCall::~LocalCall() {
  if (counted_watch_) {
    open_watches.fetch_sub(1);
  }
}

void LocalCall::On(LocalCallHost::Op op, bool ok) {
  switch (op) {
    case LocalCallHost::kRead:
      reading_ = false;
      if (finished_) {
        return;
      }
      if (!ok) {
        // The caller half-closed, or is gone (then Cancelled() says so).
        if (cancelled_) {
          return FinishIfIdle();
        }
        if (method_->kind == LocalMethod::kEachMessage) {
          return Finish(grpc::Status::OK);  // Read only once the last answer was written.
        }
        if (!got_request_) {
          return Finish(
              grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                           absl::StrCat(host_->context()->method(), " takes one request message")));
        }
        return;  // The answer is on its way.
      }
      {
        if (method_->max_request_bytes > 0 && buffer_.Length() > method_->max_request_bytes) {
          return Finish(grpc::Status(
              grpc::StatusCode::INVALID_ARGUMENT,
              absl::StrCat("the request is larger than ", method_->max_request_bytes, " bytes")));
        }
        std::string bytes;
        const bool read = ByteBufferToString(buffer_, &bytes);
        buffer_.Clear();
        if (!read) {
          return Finish(
              grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "the request cannot be read"));
        }
        return OnRequest(std::move(bytes));
      }
    case LocalCallHost::kAnswered:
      answering_ = false;
      return OnAnswered();
    case LocalCallHost::kWrite:
      return OnWritten(ok);
    case LocalCallHost::kWake:
      sleeping_ = false;
      if (!ok || cancelled_) {
        return FinishIfIdle();
      }
      return Poll();
    case LocalCallHost::kFinish:
    case LocalCallHost::kOps:
      return;
  }
}

void LocalCall::Cancelled() {
  cancelled_ = true;
  if (sleeping_) {
    wake_.Cancel();  // Its tag comes back at once, not ok.
  }
  FinishIfIdle();
}

void LocalCall::Read() {
  reading_ = true;
  host_->stream()->Read(&buffer_, host_->BeginLocal(LocalCallHost::kRead));
}

void LocalCall::OnRequest(std::string bytes) {
  got_request_ = true;
  request_ = std::move(bytes);
  if (method_->kind == LocalMethod::kWatch) {
    counted_watch_ = true;
    if (open_watches.fetch_add(1) >= kMaxWatches) {
      return Finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                 "too many watches are open; retry later"));
    }
    return Poll();
  }
  if (!method_->waits) {
    status_ = method_->answer(host_->context(), request_, &response_);
    return OnAnswered();
  }
  answering_ = true;
  if (!host_->HandLocal(LocalCallHost::kAnswered, [this] {
        status_ = method_->answer(host_->context(), request_, &response_);
      })) {
    answering_ = false;
    return Finish(
        grpc::Status(grpc::StatusCode::UNAVAILABLE, "the gateway is busy; retry with backoff"));
  }
}

void LocalCall::OnAnswered() {
  if (cancelled_) {
    return FinishIfIdle();
  }
  if (finished_) {
    return;
  }
  if (!status_.ok()) {
    return Finish(status_);
  }
  if (method_->kind == LocalMethod::kUnary) {
    // The one response leaves with the status.
    finished_ = true;
    host_->stream()->WriteAndFinish(StringToByteBuffer(response_), grpc::WriteOptions(),
                                    grpc::Status::OK, host_->BeginLocal(LocalCallHost::kFinish));
    return;
  }
  Write(response_);
}

void LocalCall::Poll() {
  if (finished_ || cancelled_) {
    return FinishIfIdle();
  }
  std::string answer;
  ending_ = false;
  if (grpc::Status s = method_->watch(request_, &answer, &ending_); !s.ok()) {
    return Finish(s);
  }
  if (!sent_ || *sent_ != answer) {
    sent_ = answer;
    return Write(answer);
  }
  if (ending_) {
    return Finish(grpc::Status::OK);
  }
  Wake();
}

void LocalCall::Write(const std::string& bytes) {
  writing_ = true;
  host_->stream()->Write(StringToByteBuffer(bytes), host_->BeginLocal(LocalCallHost::kWrite));
}

void LocalCall::OnWritten(bool ok) {
  writing_ = false;
  if (!ok || cancelled_) {
    cancelled_ = true;  // The caller is gone: nothing more reaches it.
    return FinishIfIdle();
  }
  if (method_->kind == LocalMethod::kEachMessage) {
    std::string().swap(response_);  // An answer may be large: not kept while the caller waits.
    return Read();
  }
  // kWatch.
  if (ending_) {
    return Finish(grpc::Status::OK);
  }
  Wake();
}

void LocalCall::Wake() {
  sleeping_ = true;
  wake_.Set(host_->queue(), std::chrono::system_clock::now() + kWatchEvery,
            host_->BeginLocal(LocalCallHost::kWake));
}

void LocalCall::Finish(const grpc::Status& status) {
  if (finished_) {
    return;
  }
  finished_ = true;
  if (sleeping_) {
    wake_.Cancel();
  }
  host_->stream()->Finish(status, host_->BeginLocal(LocalCallHost::kFinish));
}

// A cancelled call is finished once no write or worker holds it.
void LocalCall::FinishIfIdle() {
  if (!writing_ && !answering_) {
    Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the caller cancelled"));
  }
}

}  // namespace chitieu::gateway

#pragma once

// Calls the gateway answers itself rather than relays: its own methods
// (GatewayService), grpc.health.v1 and reflection. They are carried by the
// relay (relay_call.cc) on its queue and thread like every other call; no
// service of gRPC's callback or synchronous API runs in the gateway, since
// their threads would read the relay's connections too and hand its calls
// between threads (docs/PERFORMANCE.md). An answer that may wait on a disk
// or a peer is made on a worker thread, never on the relay's.

#include <grpcpp/alarm.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>

#include <functional>
#include <optional>
#include <string>

#include "google/protobuf/message.h"
#include "libs/common/byte_buffer.h"

namespace chitieu::gateway {

struct LocalMethod {
  enum Kind {
    kUnary,        // one request, one response
    kEachMessage,  // a stream: a response to each request until the caller half-closes
    kWatch,        // one request, then a response each time the answer changes
  };
  Kind kind = kUnary;
  // Whether answering may wait on a disk or a peer (then on a worker).
  bool waits = false;
  // Largest request message (larger: INVALID_ARGUMENT, nothing answered);
  // 0: the server's own limit.
  size_t max_request_bytes = 0;
  // kUnary, kEachMessage: the response to a request's bytes, or a status.
  std::function<grpc::Status(grpc::ServerContextBase* context, const std::string& request,
                             std::string* response)>
      answer;
  // kWatch: the answer now, and whether it is the `last`; a status that
  // is not OK ends the call with it instead.
  std::function<grpc::Status(const std::string& request, std::string* response, bool* last)> watch;
};

// A unary LocalMethod from a handler of generated messages; bytes that do
// not parse are refused INVALID_ARGUMENT before the handler sees them.
template <typename Request, typename Response>
LocalMethod UnaryLocalMethod(
    bool waits,
    std::function<grpc::Status(grpc::ServerContextBase*, const Request&, Response*)> handler) {
  LocalMethod m;
  m.kind = LocalMethod::kUnary;
  m.waits = waits;
  m.answer = [handler = std::move(handler)](grpc::ServerContextBase* context,
                                            const std::string& bytes, std::string* out) {
    Request request;
    if (!request.ParseFromString(bytes)) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "the request cannot be parsed");
    }
    Response response;
    grpc::Status status = handler(context, request, &response);
    if (status.ok() && !response.SerializeToString(out)) {
      return grpc::Status(grpc::StatusCode::INTERNAL, "the response cannot be written");
    }
    return status;
  };
  return m;
}

// What a local call needs of the relayed call carrying it.
class LocalCallHost {
 public:
  enum Op { kRead, kWrite, kFinish, kWake, kAnswered, kOps };
  virtual ~LocalCallHost() = default;
  // A tag for one operation on the call, counted until it comes back.
  virtual void* BeginLocal(Op op) = 0;
  // Runs `work` on a worker, then `op` on the call's queue; false (and
  // nothing run) when too many wait for a worker.
  virtual bool HandLocal(Op op, std::function<void()> work) = 0;
  virtual grpc::GenericServerContext* context() = 0;
  virtual grpc::GenericServerAsyncReaderWriter* stream() = 0;
  virtual grpc::ServerCompletionQueue* queue() = 0;
};

// One call to a LocalMethod; every step on the host's queue's thread.
class LocalCall {
 public:
  LocalCall(LocalCallHost* host, const LocalMethod* method) : host_(host), method_(method) {}
  ~LocalCall();
  LocalCall(const LocalCall&) = delete;
  LocalCall& operator=(const LocalCall&) = delete;

  void Start() { Read(); }
  void On(LocalCallHost::Op op, bool ok);
  // The caller cancelled or went away.
  void Cancelled();

 private:
  void Read();
  void OnRequest(std::string bytes);
  void OnAnswered();
  void Poll();
  void Write(const std::string& bytes);
  void OnWritten(bool ok);
  void Wake();
  void Finish(const grpc::Status& status);
  void FinishIfIdle();

  LocalCallHost* host_;
  const LocalMethod* method_;
  grpc::ByteBuffer buffer_;
  std::string request_;
  std::string response_;
  std::optional<std::string> sent_;  // kWatch: the last answer written
  grpc::Status status_;
  grpc::Alarm wake_;
  bool got_request_ = false;
  bool reading_ = false;
  bool writing_ = false;
  bool answering_ = false;  // on a worker
  bool sleeping_ = false;   // kWatch: until `wake_`
  bool ending_ = false;     // kWatch: the last answer is being written
  bool cancelled_ = false;
  bool finished_ = false;
  bool counted_watch_ = false;  // Among the open watches (kMaxWatches).
};

}  // namespace chitieu::gateway

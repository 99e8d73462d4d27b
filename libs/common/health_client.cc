// One grpc.health.v1 Check through a generic stub (health_client.h), on
// the callback API or on a completion queue of the caller's own.

#include "libs/common/health_client.h"

#include <grpcpp/generic/generic_stub.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>

#include "libs/common/byte_buffer.h"
#include "libs/common/health_wire.h"

namespace chitieu {
namespace {

bool Serving(const grpc::Status& status, const grpc::ByteBuffer& response) {
  std::string bytes;
  if (!status.ok() || !ByteBufferToString(response, &bytes)) {
    return false;
  }
  auto answer = DecodeHealthCheckResponse(bytes);
  return answer.ok() && *answer == ServingStatus::kServing;
}

constexpr char kCheck[] = "/grpc.health.v1.Health/Check";

}  // namespace

bool IsServing(const std::shared_ptr<grpc::Channel>& channel, int timeout_ms,
               const std::string& service) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(timeout_ms));
  grpc::ByteBuffer request = StringToByteBuffer(EncodeHealthCheckRequest(service));
  grpc::ByteBuffer response;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status status;
  stub.UnaryCall(&context, kCheck, grpc::StubOptions(), &request, &response, [&](grpc::Status s) {
    std::lock_guard<std::mutex> lock(mu);
    status = std::move(s);
    done = true;
    cv.notify_one();
  });
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return done; });
  return Serving(status, response);
}

bool IsServingOwnQueue(const std::shared_ptr<grpc::Channel>& channel, int timeout_ms,
                       const std::string& service) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(timeout_ms));
  grpc::CompletionQueue cq;
  grpc::ByteBuffer response;
  grpc::Status status;
  auto call = stub.PrepareUnaryCall(&context, kCheck,
                                    StringToByteBuffer(EncodeHealthCheckRequest(service)), &cq);
  call->StartCall();
  call->Finish(&response, &status, nullptr);
  void* tag = nullptr;
  bool ok = false;
  cq.Next(&tag, &ok);  // The one operation; it always comes back (the deadline ends it).
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  return Serving(status, response);
}

}  // namespace chitieu

// One grpc.health.v1 Check through a generic stub (health_client.h). On a
// completion queue of its own, which only this thread polls, and only
// while it waits: no callback-API thread in the process (the gateway's
// relay must be the only thread reading its connections;
// docs/PERFORMANCE.md).

#include "libs/common/health_client.h"

#include <grpcpp/generic/generic_stub.h>

#include <chrono>
#include <string>

#include "libs/common/byte_buffer.h"
#include "libs/common/health_wire.h"

namespace chitieu {

bool IsServing(const std::shared_ptr<grpc::Channel>& channel, int timeout_ms,
               const std::string& service) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(timeout_ms));
  grpc::CompletionQueue cq;
  grpc::ByteBuffer response;
  grpc::Status status;
  auto call = stub.PrepareUnaryCall(&context, "/grpc.health.v1.Health/Check",
                                    StringToByteBuffer(EncodeHealthCheckRequest(service)), &cq);
  call->StartCall();
  call->Finish(&response, &status, nullptr);
  void* tag = nullptr;
  bool ok = false;
  cq.Next(&tag, &ok);  // The one operation; it always comes back (the deadline ends it).
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  std::string bytes;
  if (!status.ok() || !ByteBufferToString(response, &bytes)) {
    return false;
  }
  auto answer = DecodeHealthCheckResponse(bytes);
  return answer.ok() && *answer == ServingStatus::kServing;
}

}  // namespace chitieu

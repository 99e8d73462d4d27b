// One grpc.health.v1 Check through a generic stub (health_client.h).

#include "libs/common/health_client.h"

#include <grpcpp/generic/generic_stub.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "libs/common/byte_buffer.h"

namespace chitieu {

bool IsServing(const std::shared_ptr<grpc::Channel>& channel, int timeout_ms,
               const std::string& service) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(timeout_ms));
  // HealthCheckRequest{service}: field 1, length-delimited (empty: no bytes).
  std::string bytes;
  if (!service.empty()) {
    bytes.push_back('\x0a');
    // Service names here are short: one varint byte of length (< 128).
    const std::string name = service.substr(0, 127);
    bytes.push_back(static_cast<char>(name.size()));
    bytes += name;
  }
  grpc::ByteBuffer request = StringToByteBuffer(bytes);
  grpc::ByteBuffer response;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status status;
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request, &response,
                 [&](grpc::Status s) {
                   std::lock_guard<std::mutex> lock(mu);
                   status = std::move(s);
                   done = true;
                   cv.notify_one();
                 });
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return done; });
  if (!status.ok()) {
    return false;
  }
  if (!ByteBufferToString(response, &bytes)) {
    return false;
  }
  // HealthCheckResponse{status: SERVING (1)} is field 1, varint 1.
  return bytes == std::string("\x08\x01", 2);
}

}  // namespace chitieu

#pragma once

// grpc::ByteBuffer ⇄ std::string, for code that handles messages as bytes
// (the gateway's proxy and HTTP layer, generic clients).

#include <grpcpp/support/byte_buffer.h>

#include <string>
#include <vector>

namespace chitieu {

// The buffer's bytes; false if it cannot be read.
inline bool ByteBufferToString(const grpc::ByteBuffer& buffer, std::string* out) {
  std::vector<grpc::Slice> slices;
  if (!buffer.Dump(&slices).ok()) {
    return false;
  }
  out->clear();
  for (const auto& s : slices) {
    out->append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return true;
}

inline grpc::ByteBuffer StringToByteBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

}  // namespace chitieu

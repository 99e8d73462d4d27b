#pragma once

// Reads a service's change feed to its current end (no_follow), for tests.

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace chitieu::testing {

// `Stub` has StreamChanges(ctx, request); `Request` has after_sequence and
// no_follow. Expects the stream to end OK.
template <typename Response, typename Request, typename Stub>
std::vector<Response> ReadFeed(Stub& stub, int64_t after) {
  Request request;
  request.set_after_sequence(after);
  request.set_no_follow(true);
  grpc::ClientContext ctx;
  auto reader = stub.StreamChanges(&ctx, request);
  std::vector<Response> out;
  Response change;
  while (reader->Read(&change)) {
    out.push_back(change);
  }
  EXPECT_TRUE(reader->Finish().ok());
  return out;
}

}  // namespace chitieu::testing

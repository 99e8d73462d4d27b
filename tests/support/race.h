#pragma once

// Races one call against itself on several replicas at once, for the tests
// that show optimistic concurrency holding across replicas: with one etag,
// exactly one call wins and the others are ABORTED.

#include <grpcpp/support/status.h>

#include <atomic>
#include <functional>
#include <thread>
#include <vector>

namespace chitieu::testing {

struct RaceOutcome {
  int ok = 0;
  int aborted = 0;
};

// Runs `call(replica)` for every replica in [0, replicas) on threads of its
// own, all at once, and counts the answers.
inline RaceOutcome RaceReplicas(int replicas, const std::function<grpc::Status(int)>& call) {
  std::atomic<int> ok{0}, aborted{0};
  std::vector<std::thread> racers;
  for (int replica = 0; replica < replicas; ++replica) {
    racers.emplace_back([&, replica] {
      const grpc::Status s = call(replica);
      if (s.ok()) {
        ++ok;
      } else if (s.error_code() == grpc::StatusCode::ABORTED) {
        ++aborted;
      }
    });
  }
  for (std::thread& t : racers) {
    t.join();
  }
  return {ok.load(), aborted.load()};
}

}  // namespace chitieu::testing

#pragma once

// The one way tests wait on state: poll a condition until it holds or a
// bound passes. The bound only keeps a broken build from hanging; nothing
// is assumed about how long the condition takes.

#include <chrono>
#include <functional>
#include <thread>

namespace chitieu::testing {

// Polls `condition` every `poll` until it returns true (then true) or
// `within` has passed (then its last answer, false).
inline bool WaitFor(const std::function<bool()>& condition,
                    std::chrono::milliseconds within = std::chrono::seconds(30),
                    std::chrono::milliseconds poll = std::chrono::milliseconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(poll);
  }
  return true;
}

}  // namespace chitieu::testing

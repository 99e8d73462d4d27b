// Shows that the TSan build sees what it should (run by ./scripts/tsan):
// two threads taking turns on a counter under an absl::Mutex are not a race
// (libs/tsan/absl_sync_annotations.cc tells ThreadSanitizer of the lock
// that Debian's uninstrumented Abseil took); with the argument "race", two
// threads bumping a counter with no lock are, and ThreadSanitizer reports it.

#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"

namespace {

absl::Mutex mu;
int guarded = 0;
int unguarded = 0;

}  // namespace

int main(int argc, char** argv) {
  auto bump_guarded = [] {
    for (int i = 0; i < 1000; ++i) {
      absl::MutexLock lock(&mu);
      ++guarded;
    }
  };
  std::thread a(bump_guarded), b(bump_guarded);
  a.join();
  b.join();
  // A hand-off through a Notification orders the write before the read.
  int handed = 0;
  absl::Notification ready;
  std::thread writer([&] {
    handed = 42;
    ready.Notify();
  });
  ready.WaitForNotification();
  const int seen = handed;
  writer.join();
  if (argc > 1 && std::string(argv[1]) == "race") {
    std::thread c([] { ++unguarded; }), d([] { ++unguarded; });
    c.join();
    d.join();
  }
  return guarded == 2000 && seen == 42 ? 0 : 1;
}

#pragma once

// The one fake of the policy's ResourceDirectory (libs/common/policy.h),
// for the policy's tests and the gateway proxy's.

#include <atomic>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "libs/common/policy.h"

namespace chitieu::testing {

// Two provinces: Hà Nội (01: districts 002 and 001, ward 00037 of 002) and
// Hồ Chí Minh City (79: district 760).
class FakeResourceDirectory : public ResourceDirectory {
 public:
  absl::StatusOr<std::string> ParentOf(const std::string& unit) override {
    ++lookups;
    static const std::map<std::string, std::string> kParents = {
        {"units/01", ""},          {"units/002", "units/01"},
        {"units/001", "units/01"}, {"units/00037", "units/002"},
        {"units/79", ""},          {"units/760", "units/79"}};
    auto it = kParents.find(unit);
    if (it == kParents.end()) {
      return absl::NotFoundError(unit);
    }
    return it->second;
  }
  absl::StatusOr<std::vector<std::string>> Roots() override {
    return std::vector<std::string>(roots);
  }
  absl::StatusOr<std::string> SeatOf(const std::string& e) override {
    ++lookups;
    if (seats_from_peer) {
      // As RemoteDirectory does: a seat not remembered is asked of a peer,
      // which only a thread that may wait does, and this peer answers once
      // `peer_answers` is notified.
      if (RememberedOnly::Active()) {
        return RememberedOnly::Miss();
      }
      if (!peer_asked.HasBeenNotified()) {
        peer_asked.Notify();
      }
      peer_answers.WaitForNotification();
    }
    if (e == "enterprises/0100000001") {
      return std::string("units/00037");
    }
    if (e == "enterprises/0100000002") {
      return std::string("units/001");
    }
    if (e == "enterprises/0300000003") {
      return std::string("units/760");
    }
    return absl::NotFoundError(e);
  }
  absl::StatusOr<std::string> UnitOfBody(const std::string& b) override {
    if (b == "bodies/hk") {
      return std::string("units/002");
    }
    if (b == "bodies/city") {
      return std::string("units/01");
    }
    if (b == "bodies/bd") {
      return std::string("units/001");
    }
    return absl::NotFoundError(b);
  }
  absl::StatusOr<std::string> AssignerOf(const std::string& t) override {
    if (t == "units/002/targets/1") {
      return std::string("units/01");
    }
    if (t == "units/00037/targets/2") {
      return std::string("units/002");
    }
    return absl::NotFoundError(t);
  }
  std::vector<std::string> roots = {"units/01", "units/79"};
  std::atomic<int> lookups{0};
  // Seats are never remembered and wait for `peer_answers` (SeatOf);
  // `peer_asked` tells that one is waiting.
  bool seats_from_peer = false;
  absl::Notification peer_asked;
  absl::Notification peer_answers;
};

}  // namespace chitieu::testing

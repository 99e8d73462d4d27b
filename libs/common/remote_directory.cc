// ResourceDirectory over the peers' APIs, with its cache (remote_directory.h).

#include "libs/common/remote_directory.h"

#include "absl/strings/str_cat.h"
#include "libs/common/status_macros.h"

namespace chitieu {
namespace {

// Every look-up here checks a name a caller sent (hide_invalid_argument).
PeerStatusOptions About(const std::string& resource) {
  return {.resource = resource, .hide_invalid_argument = true};
}

}  // namespace

absl::StatusOr<std::string> RemoteDirectory::ParentOf(const std::string& unit) {
  if (RememberedOnly::Active()) {
    return RememberedOnly::Miss();  // The policy remembers parents itself.
  }
  ASSIGN_OR_RETURN(auto got, registry_->GetUnit(unit, About(unit)));
  return got.parent();
}

absl::StatusOr<std::vector<std::string>> RemoteDirectory::Roots() {
  const absl::Time now = absl::Now();
  if (cache_time_ > absl::ZeroDuration()) {
    absl::MutexLock lock(&mu_);
    if (roots_until_ > now) {
      return roots_;
    }
  }
  if (RememberedOnly::Active()) {
    return RememberedOnly::Miss();
  }
  auto roots = RootUnits([this](const registry::v1::ListUnitsRequest& r)
                             -> absl::StatusOr<registry::v1::ListUnitsResponse> {
    auto got = registry_->ListUnits(r, About("the provinces"));
    // No province found is no answer either: the registry must say.
    if (!got.ok()) {
      return absl::UnavailableError(got.status().message());
    }
    return got;
  });
  if (roots.ok() && cache_time_ > absl::ZeroDuration()) {
    absl::MutexLock lock(&mu_);
    roots_ = *roots;
    roots_until_ = now + cache_time_;
  }
  return roots;
}

absl::StatusOr<std::string> RemoteDirectory::Cached(
    const std::string& key, const std::function<absl::StatusOr<std::string>()>& fetch) {
  const bool remembering = cache_time_ > absl::ZeroDuration();
  const absl::Time now = absl::Now();
  if (remembering) {
    absl::MutexLock lock(&mu_);
    auto it = cache_.find(key);
    if (it != cache_.end() && it->second.until > now) {
      return it->second.value;
    }
  }
  if (RememberedOnly::Active()) {
    return RememberedOnly::Miss();
  }
  if (!remembering) {
    return fetch();
  }
  auto value = fetch();
  if (value.ok()) {  // "Not found" is not remembered: it may be created next.
    constexpr size_t kMaxEntries = 200000;
    absl::MutexLock lock(&mu_);
    if (cache_.size() >= kMaxEntries) {
      cache_.clear();
    }
    cache_[key] = {*value, now + cache_time_};
  }
  return value;
}

absl::StatusOr<std::string> RemoteDirectory::SeatOf(const std::string& enterprise) {
  return Cached(enterprise, [&]() -> absl::StatusOr<std::string> {
    ASSIGN_OR_RETURN(auto got, registry_->GetEnterprise(enterprise, About(enterprise)));
    return got.seat_unit();
  });
}

absl::StatusOr<std::string> RemoteDirectory::UnitOfBody(const std::string& body) {
  return Cached(body, [&]() -> absl::StatusOr<std::string> {
    ASSIGN_OR_RETURN(auto got, registry_->GetBody(body, About(body)));
    return got.unit();
  });
}

absl::StatusOr<std::string> RemoteDirectory::AssignerOf(const std::string& target) {
  if (quota_ == nullptr) {
    return absl::NotFoundError(target);
  }
  if (RememberedOnly::Active()) {
    return RememberedOnly::Miss();
  }
  ASSIGN_OR_RETURN(auto got, quota_->GetTarget(target, About(target)));
  return got.assigner();
}

}  // namespace chitieu

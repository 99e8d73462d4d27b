#include "libs/common/remote_directory.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "libs/common/principal.h"
#include "libs/common/status_macros.h"

namespace chitieu {
namespace {

// NOT_FOUND (or a name the service refuses) is "no such resource"; any
// other failure means the backend cannot answer.
absl::Status FromBackend(const grpc::Status& s, const std::string& what) {
  if (s.ok()) return absl::OkStatus();
  if (s.error_code() == grpc::StatusCode::NOT_FOUND ||
      s.error_code() == grpc::StatusCode::INVALID_ARGUMENT) {
    return absl::NotFoundError(what);
  }
  return absl::UnavailableError(absl::StrCat("cannot check ", what, ": ", s.error_message()));
}

template <typename Context>
void Bound(Context& ctx, int ms) {
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(ms));
  AddServiceSecret(&ctx);
}

}  // namespace

absl::StatusOr<std::string> RemoteDirectory::ParentOf(const std::string& unit) {
  grpc::ClientContext ctx;
  Bound(ctx, deadline_ms_);
  registry::v1::GetUnitRequest r;
  r.set_name(unit);
  registry::v1::Unit out;
  RETURN_IF_ERROR(FromBackend(registry_->GetUnit(&ctx, r, &out), unit));
  return out.parent();
}

absl::StatusOr<std::vector<std::string>> RemoteDirectory::Roots() {
  const absl::Time now = absl::Now();
  if (cache_time_ > absl::ZeroDuration()) {
    absl::MutexLock lock(&mu_);
    if (roots_until_ > now) return roots_;
  }
  auto roots = RootUnits([this](const registry::v1::ListUnitsRequest& r)
                             -> absl::StatusOr<registry::v1::ListUnitsResponse> {
    grpc::ClientContext ctx;
    Bound(ctx, deadline_ms_);
    registry::v1::ListUnitsResponse out;
    if (auto s = FromBackend(registry_->ListUnits(&ctx, r, &out), "the provinces"); !s.ok()) {
      // No province found is no answer either: the registry must say.
      return absl::UnavailableError(s.message());
    }
    return out;
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
  if (cache_time_ <= absl::ZeroDuration()) return fetch();
  const absl::Time now = absl::Now();
  {
    absl::MutexLock lock(&mu_);
    auto it = cache_.find(key);
    if (it != cache_.end() && it->second.until > now) return it->second.value;
  }
  auto value = fetch();
  if (value.ok()) {  // "Not found" is not remembered: it may be created next.
    constexpr size_t kMaxEntries = 200000;
    absl::MutexLock lock(&mu_);
    if (cache_.size() >= kMaxEntries) cache_.clear();
    cache_[key] = {*value, now + cache_time_};
  }
  return value;
}

absl::StatusOr<std::string> RemoteDirectory::SeatOf(const std::string& enterprise) {
  return Cached(enterprise, [&]() -> absl::StatusOr<std::string> {
    grpc::ClientContext ctx;
    Bound(ctx, deadline_ms_);
    registry::v1::GetEnterpriseRequest r;
    r.set_name(enterprise);
    registry::v1::Enterprise out;
    RETURN_IF_ERROR(FromBackend(registry_->GetEnterprise(&ctx, r, &out), enterprise));
    return out.seat_unit();
  });
}

absl::StatusOr<std::string> RemoteDirectory::UnitOfBody(const std::string& body) {
  return Cached(body, [&]() -> absl::StatusOr<std::string> {
    grpc::ClientContext ctx;
    Bound(ctx, deadline_ms_);
    registry::v1::GetBodyRequest r;
    r.set_name(body);
    registry::v1::Body out;
    RETURN_IF_ERROR(FromBackend(registry_->GetBody(&ctx, r, &out), body));
    return out.unit();
  });
}

absl::StatusOr<std::string> RemoteDirectory::AssignerOf(const std::string& target) {
  if (quota_ == nullptr) return absl::NotFoundError(target);
  grpc::ClientContext ctx;
  Bound(ctx, deadline_ms_);
  quota::v1::GetTargetRequest r;
  r.set_name(target);
  quota::v1::Target out;
  RETURN_IF_ERROR(FromBackend(quota_->GetTarget(&ctx, r, &out), target));
  return out.assigner();
}

}  // namespace chitieu

#pragma once

// The rebuild benchmark at scale (issue 20): a registry whose feed holds
// millions of events, written straight into its store through the store
// layer (the API would take hours to make it), and reporting's --rebuild
// timed over the real feeds.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace chitieu::bench {

// Writes about `events` feed events into the registry store at `location`
// (a SQLite path or PostgreSQL URL): Hà Nội, Hoàn Kiếm and its 18 wards,
// then enterprises seated in the wards, each with a trade union and a youth
// union founded in 2013 (three events an enterprise), in transactions of
// 10,000 enterprises; the enterprise, organization and unit rows as the
// registry's own writes leave them. Returns the events written.
absl::StatusOr<int64_t> WriteRegistryFixture(const std::string& location, int64_t events);

// The benchmark: the fixture written, registry, quota and reporting
// started on it, reporting caught up, then restarted with --rebuild and
// timed to the swap. One JSON line ("benchmark":"rebuild_fixture").
std::string RebuildFixtureBenchmark(int64_t events);

}  // namespace chitieu::bench

// The gateway's audit log: entries written and read by scope (audit.h).

#include "services/gateway/audit.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/time_util.h"
#include "libs/common/status_macros.h"
#include "services/gateway/auth.h"

namespace chitieu::gateway {

std::string AuditLog::ChainHash(const std::string& previous, const v1::AuditEntry& e) {
  // Fields joined with a separator that cannot occur in them NUL.
  const std::string time = google::protobuf::util::TimeUtil::ToString(e.time());
  return Sha256Hex(absl::StrCat(
      previous, std::string(1, '\0'), e.sequence(), std::string(1, '\0'), time,
      std::string(1, '\0'), e.principal(), std::string(1, '\0'), e.method(), std::string(1, '\0'),
      e.resource(), std::string(1, '\0'), e.request_id(), std::string(1, '\0'), e.outcome(),
      // Entries written before resources and units were recorded hash as
      // they did.
      e.resources_size() + e.units_size() == 0
          ? std::string()
          : absl::StrCat(std::string(1, '\0'), "r", absl::StrJoin(e.resources(), ","),
                         std::string(1, '\0'), "u", absl::StrJoin(e.units(), ","))));
}

absl::StatusOr<std::unique_ptr<AuditLog>> AuditLog::Open(const std::string& location) {
  ASSIGN_OR_RETURN(auto store, OpenAuditStore(location));
  return std::unique_ptr<AuditLog>(new AuditLog(std::move(store)));
}

absl::Status AuditLog::Append(v1::AuditEntry entry) {
  return store_->Append(
      [&](const std::optional<v1::AuditEntry>& last) -> absl::StatusOr<v1::AuditEntry> {
        v1::AuditEntry next = entry;
        next.set_sequence(last ? last->sequence() + 1 : 1);
        *next.mutable_time() =
            google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::GetCurrentTimeNanos());
        next.set_hash(ChainHash(last ? last->hash() : "", next));
        return next;
      });
}

absl::StatusOr<std::vector<v1::AuditEntry>> AuditLog::List(int64_t after, int limit,
                                                           const std::string& principal,
                                                           const std::string& method,
                                                           const std::string& resource,
                                                           const std::set<std::string>* units) {
  return store_->List(after, limit, principal, method, resource, units);
}

absl::Status AuditLog::Verify() {
  ASSIGN_OR_RETURN(auto rows, store_->Rows());
  std::string previous;
  int64_t expected = 1;
  for (const AuditRow& row : rows) {
    v1::AuditEntry e;
    if (!e.ParseFromString(row.data) || row.sequence != expected || e.sequence() != expected ||
        e.principal() != row.principal || e.method() != row.method ||
        e.resource() != row.resource || ChainHash(previous, e) != e.hash()) {
      return absl::DataLossError(absl::StrCat("audit entry ", expected, " was altered or removed"));
    }
    previous = e.hash();
    ++expected;
  }
  return absl::OkStatus();
}

}  // namespace chitieu::gateway

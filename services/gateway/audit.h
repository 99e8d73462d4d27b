#pragma once

// The gateway's audit log: every mutation (principal, method, resource,
// request id, outcome, time) appended to a log of its own — SQLite in the
// gateway's data folder, or PostgreSQL shared by several gateway replicas
// (audit_store.h). Entries are chained: each one's hash is SHA-256 over the
// previous hash and the entry's fields, so an edited or deleted entry
// breaks the chain, which Verify() detects.

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "chitieu/gateway/v1/gateway.pb.h"
#include "services/gateway/audit_store.h"

namespace chitieu::gateway {

class AuditLog {
 public:
  // `location`: a SQLite path or a postgresql:// URL.
  static absl::StatusOr<std::unique_ptr<AuditLog>> Open(const std::string& location);

  // Appends an entry (its sequence, time and hash are set here), durably.
  absl::Status Append(v1::AuditEntry entry);

  // Entries with sequence > after, oldest first, at most `limit`, that
  // match `principal`, `method` and `resource` where those are not empty
  // and, if `units` is given, were about one of those units (AuditEntry's
  // `units`).
  absl::StatusOr<std::vector<v1::AuditEntry>> List(int64_t after, int limit,
                                                   const std::string& principal,
                                                   const std::string& method,
                                                   const std::string& resource,
                                                   const std::set<std::string>* units = nullptr);

  // OK if every entry's hash matches the chain; DATA_LOSS naming the first
  // entry that does not.
  absl::Status Verify();

  // The hash of an entry given the previous one's.
  static std::string ChainHash(const std::string& previous, const v1::AuditEntry& entry);

 private:
  explicit AuditLog(std::unique_ptr<AuditStore> store) : store_(std::move(store)) {}
  std::unique_ptr<AuditStore> store_;
};

}  // namespace chitieu::gateway

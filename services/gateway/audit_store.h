#pragma once

// Storage of the gateway's audit log (audit_store_sql.cc): SQLite in the
// gateway's data folder or, for several gateway replicas sharing one log,
// PostgreSQL (--database_url).

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "chitieu/gateway/v1/gateway.pb.h"

namespace chitieu::gateway {

// One stored row: the indexed columns beside the entry itself.
struct AuditRow {
  int64_t sequence = 0;
  std::string principal, method, resource;
  std::string data;  // The serialised AuditEntry.
};

class AuditStore {
 public:
  virtual ~AuditStore() = default;

  // In one transaction: reads the last entry (nullopt for none), asks
  // `make` for the next one, and stores it; retried as a whole on a
  // conflict with another writer, so the chain stays one line.
  using MakeEntry =
      std::function<absl::StatusOr<v1::AuditEntry>(const std::optional<v1::AuditEntry>& last)>;
  virtual absl::Status Append(const MakeEntry& make) = 0;

  // Entries with sequence > after matching the non-empty filters, oldest
  // first, at most `limit`; with `units`, only entries about one of them.
  virtual absl::StatusOr<std::vector<v1::AuditEntry>> List(int64_t after, int limit,
                                                           const std::string& principal,
                                                           const std::string& method,
                                                           const std::string& resource,
                                                           const std::set<std::string>* units) = 0;

  // Every row, in sequence order (for Verify).
  virtual absl::StatusOr<std::vector<AuditRow>> Rows() = 0;
};

// `location`: a SQLite path or a postgresql:// URL.
absl::StatusOr<std::unique_ptr<AuditStore>> OpenAuditStore(const std::string& location);

}  // namespace chitieu::gateway

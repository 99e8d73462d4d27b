#pragma once

// Storage of the gateway's audit log: SQLite in the gateway's data folder
// (audit_store_sqlite.cc) or, for several gateway replicas sharing one log,
// PostgreSQL (audit_store_pg.cc, --database_url).

#include <functional>
#include <memory>
#include <optional>
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
  // first, at most `limit`.
  virtual absl::StatusOr<std::vector<v1::AuditEntry>> List(int64_t after, int limit,
                                                           const std::string& principal,
                                                           const std::string& method,
                                                           const std::string& resource) = 0;

  // Every row, in sequence order (for Verify).
  virtual absl::StatusOr<std::vector<AuditRow>> Rows() = 0;
};

absl::StatusOr<std::unique_ptr<AuditStore>> OpenSqliteAuditStore(const std::string& path);
absl::StatusOr<std::unique_ptr<AuditStore>> OpenPgAuditStore(const std::string& url);

}  // namespace chitieu::gateway

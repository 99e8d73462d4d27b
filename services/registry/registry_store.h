#pragma once

// Storage layer of the registry: an interface the domain calls inside one
// transaction at a time, and the change feed. Implemented once for SQLite
// and PostgreSQL in registry_store_sql.h.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "chitieu/registry/v1/registry.pb.h"
#include "libs/common/idempotency.h"
#include "libs/common/sql.h"

namespace chitieu::registry {

namespace pb = ::chitieu::registry::v1;

struct UnitQuery {
  std::optional<std::string> parent;    // Direct children of this code.
  std::optional<std::string> ancestor;  // Every unit beneath this code.
  std::optional<int> level;
  std::optional<std::string> open_on;  // YYYY-MM-DD.
  std::string after_code;              // Keyset pagination.
  int limit = 100;
};

struct BodyQuery {
  std::optional<std::string> under_unit;  // Attached to this unit or beneath.
  std::optional<int> kind;
  std::string after_id;
  int limit = 100;
};

struct EnterpriseQuery {
  std::optional<std::string> under_unit;  // Seat in this unit or beneath it.
  std::string as_of;                      // YYYY-MM-DD.
  std::optional<int> status;
  bool status_negated = false;
  std::optional<int> legal_form;
  std::optional<int> sector;
  // Organization kind → whether an active one must (true) or must not
  // (false) exist on `as_of`.
  std::vector<std::pair<int, bool>> has_organization;
  std::string after_code;
  int limit = 100;
};

struct OrganizationQuery {
  std::optional<std::string> enterprise_code;  // Empty: every enterprise.
  std::optional<std::string> under_unit;
  std::optional<int> kind;
  std::optional<std::string> founding_body;
  std::optional<int> founding_year;
  std::optional<bool> active;
  std::string after_key;  // "<enterprise code>/<id>".
  int limit = 100;
};

struct AdmissionQuery {
  std::optional<std::string> enterprise_code;
  std::optional<std::string> under_unit;
  std::optional<int> admission_year;
  std::string after_key;
  int limit = 100;
};

// What a founding or an admission reads before it writes
// (RegistryTx::ReadForAdding).
struct AddingReads {
  absl::StatusOr<pb::Enterprise> enterprise;   // As GetEnterprise answers.
  absl::StatusOr<pb::Body> body = pb::Body();  // As GetBody; OK and empty if none asked.
  int64_t next_id = 0;                         // As NextId.
};

// Reads and writes within one transaction. Get* return NOT_FOUND when the
// row does not exist. Put* insert or replace. Nothing is visible to others
// before the transaction commits.
class RegistryTx {
 public:
  virtual ~RegistryTx() = default;

  virtual absl::StatusOr<pb::Unit> GetUnit(const std::string& code) = 0;
  virtual absl::Status PutUnit(const std::string& code, const pb::Unit& unit) = 0;
  virtual absl::StatusOr<std::vector<pb::Unit>> ListUnits(const UnitQuery& query) = 0;
  // `code` and every unit beneath it, at any depth.
  virtual absl::StatusOr<std::vector<std::string>> UnitSubtree(const std::string& code) = 0;

  virtual absl::StatusOr<pb::Body> GetBody(const std::string& id) = 0;
  virtual absl::Status PutBody(const std::string& id, const pb::Body& body) = 0;
  virtual absl::StatusOr<std::vector<pb::Body>> ListBodies(const BodyQuery& query) = 0;

  virtual absl::StatusOr<pb::Enterprise> GetEnterprise(const std::string& code) = 0;
  // Also rewrites the enterprise's indexed status history.
  virtual absl::Status PutEnterprise(const std::string& code, const pb::Enterprise& e) = 0;
  virtual absl::StatusOr<std::vector<pb::Enterprise>> ListEnterprises(
      const EnterpriseQuery& query) = 0;
  // Records counts as of a date (history kept).
  virtual absl::Status PutMemberCounts(const std::string& code,
                                       const ::chitieu::type::v1::MemberCounts& counts) = 0;

  virtual absl::StatusOr<pb::Organization> GetOrganization(const std::string& code,
                                                           const std::string& id) = 0;
  // Writes a new active organization unless the enterprise has an active
  // one of its kind: then false, and nothing written.
  virtual absl::StatusOr<bool> AddOrganization(const std::string& code, const std::string& id,
                                               const pb::Organization& org) = 0;
  virtual absl::Status PutOrganization(const std::string& code, const std::string& id,
                                       const pb::Organization& org) = 0;
  virtual absl::StatusOr<std::vector<pb::Organization>> ListOrganizations(
      const OrganizationQuery& query) = 0;

  virtual absl::StatusOr<pb::Admission> GetAdmission(const std::string& code,
                                                     const std::string& id) = 0;
  virtual absl::Status PutAdmission(const std::string& code, const std::string& id,
                                    const pb::Admission& admission) = 0;
  virtual absl::StatusOr<std::vector<pb::Admission>> ListAdmissions(
      const AdmissionQuery& query) = 0;

  // Returns the next value of a named counter, starting at 1.
  virtual absl::StatusOr<int64_t> NextId(const std::string& counter) = 0;
  // The enterprise `code`, the body `body_id` (none if empty) and the next
  // value of `counter`, which do not depend on one another: in one round
  // trip on PostgreSQL. The value is taken even if the caller then
  // refuses (as NextId's in a transaction that rolls back).
  virtual absl::StatusOr<AddingReads> ReadForAdding(const std::string& code,
                                                    const std::string& body_id,
                                                    const std::string& counter) = 0;

  virtual absl::StatusOr<std::optional<StoredRequest>> GetRequest(
      const std::string& request_id) = 0;
  virtual absl::Status ClaimRequest(const std::string& request_id, const StoredRequest& r) = 0;

  // Appends a change to the feed; its sequence and commit time are set
  // here, in this transaction.
  virtual absl::Status AppendChange(pb::StreamChangesResponse change) = 0;

  // A bulk import's batch, in a few statements instead of some a row: the
  // enterprises of `codes` that exist; many put at once (no code twice),
  // each as PutEnterprise would; many changes appended in order.
  virtual absl::StatusOr<std::vector<pb::Enterprise>> GetEnterprises(
      const std::vector<std::string>& codes) = 0;
  virtual absl::Status PutEnterprises(const std::vector<const pb::Enterprise*>& enterprises) = 0;
  // The units of `codes` that exist (for a batch's seats, in one query).
  virtual absl::StatusOr<std::vector<pb::Unit>> GetUnits(const std::vector<std::string>& codes) = 0;
  virtual absl::Status AppendChanges(std::vector<pb::StreamChangesResponse> changes) = 0;
};

class RegistryStore {
 public:
  using Tx = RegistryTx;  // for InTx (libs/common/transaction.h)

  virtual ~RegistryStore() = default;

  // Runs `body` in one serialisable transaction. The transaction commits,
  // durably, only if `body` returns OK; otherwise nothing it wrote stays.
  // After a commit that appended changes, feed followers are notified.
  virtual absl::Status Transact(const std::function<absl::Status(RegistryTx&)>& body) = 0;
  // As Transact, but may return before the feed shows what it appended:
  // for one batch of a bulk import, whose answer waits for AwaitFeed once
  // after the last batch.
  virtual absl::Status TransactBatch(const std::function<absl::Status(RegistryTx&)>& body) = 0;
  // Returns once every change committed before the call is in the feed.
  virtual void AwaitFeed() = 0;
  // Runs `body` as a read-only transaction (one snapshot) beside the
  // writers: a read never waits behind a commit. Writes in it fail.
  virtual absl::Status View(const std::function<absl::Status(RegistryTx&)>& body) = 0;

  // Changes with sequence > after, in order, at most `limit`.
  virtual absl::StatusOr<std::vector<pb::StreamChangesResponse>> ReadChanges(int64_t after,
                                                                             int limit) = 0;
  // The same as stored, unparsed (the sequence beside the bytes).
  virtual absl::StatusOr<std::vector<StoredChange>> ReadStoredChanges(int64_t after, int limit) = 0;
  // The highest committed sequence.
  virtual absl::StatusOr<int64_t> LastSequence() = 0;
};

}  // namespace chitieu::registry

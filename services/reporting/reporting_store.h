#pragma once

// Storage layer of the reporting service: the read model built from the
// registry's and quota's change feeds, and the queries reports need. Each
// batch of changes is applied in one transaction together with the feed's
// cursor, so after any restart the model resumes exactly where it was: no
// change lost, none counted twice. Applying a change is idempotent (the
// change carries the resource as it is after it: an upsert).

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "chitieu/quota/v1/quota.pb.h"
#include "chitieu/registry/v1/registry.pb.h"
#include "google/protobuf/timestamp.pb.h"

namespace chitieu::reporting {

// Where the model stands in one source feed.
struct Cursor {
  int64_t sequence = 0;
  google::protobuf::Timestamp commit_time;
};

inline constexpr char kRegistrySource[] = "registry";
inline constexpr char kQuotaSource[] = "quota";

// Counts keyed by an enum's number, named for the enum that keys them.
using CountsByIndicator = std::map<int, int64_t>;  // type.v1.Indicator
using CountsByStatus = std::map<int, int64_t>;     // type.v1.EnterpriseStatus
using CountsByKind = std::map<int, int64_t>;       // type.v1.OrganizationKind

// Counts of organizations founded and Party members admitted, in a year.
struct Achieved {
  CountsByKind organizations_by_kind;
  int64_t party_members_admitted = 0;
};

// Enterprises active on a date, and how many of them have an active
// organization of each kind.
struct CoverageCounts {
  int64_t active_enterprises = 0;
  CountsByKind with_organization;
};

struct NamedKey {
  std::string key;  // "units/…" or "bodies/…".
  std::string display_name;
};

// An organization (kind > 0) or admission (kind 0) a report counts.
struct CountedRow {
  std::string name;
  int kind = 0;
  int64_t count = 0;  // 1 for an organization; the members admitted.
  std::string recorded_by;
  google::protobuf::Timestamp record_time;
};

struct CandidateRow {
  std::string code;
  std::string display_name;
  std::string seat_unit;
  ::chitieu::type::v1::MemberCounts counts;
};

class ReportingStore {
 public:
  virtual ~ReportingStore() = default;

  // Applies registry (or quota) changes in order, in one transaction that
  // also moves the cursor to the last one. FAILED_PRECONDITION if the first
  // change does not follow the cursor (a gap), and nothing is applied.
  virtual absl::Status ApplyRegistry(
      absl::Span<const registry::v1::StreamChangesResponse* const> changes) = 0;
  virtual absl::Status ApplyQuota(
      absl::Span<const quota::v1::StreamChangesResponse* const> changes) = 0;
  // The same from changes held by value.
  absl::Status ApplyRegistry(const std::vector<registry::v1::StreamChangesResponse>& changes) {
    return ApplyRegistry(Pointers(changes));
  }
  absl::Status ApplyQuota(const std::vector<quota::v1::StreamChangesResponse>& changes) {
    return ApplyQuota(Pointers(changes));
  }
  virtual absl::StatusOr<Cursor> GetCursor(const std::string& source) = 0;
  // Runs `read` while this process applies no batch to the model (its feed
  // followers wait for it): reads of one process see one state. Another
  // process sharing the model (PostgreSQL replicas) may still apply.
  virtual absl::Status WithoutApplying(const std::function<absl::Status()>& read) = 0;
  // Drops the whole model and both cursors (for --rebuild).
  virtual absl::Status Reset() = 0;

  // The value of every target assigned to `assignee` for `year`, summed per
  // indicator.
  virtual absl::StatusOr<CountsByIndicator> Targets(const std::string& assignee, int year) = 0;
  // Founded and admitted in `year` in enterprises seated in `unit_code` or
  // beneath it.
  virtual absl::StatusOr<Achieved> AchievedIn(const std::string& unit_code, int year) = 0;
  // The same, per founding body (key "bodies/…").
  virtual absl::StatusOr<std::map<std::string, Achieved>> AchievedByBody(
      const std::string& unit_code, int year) = 0;
  // The targets of each of `assignees` for `year`, summed per indicator, in
  // one query; an assignee with none is absent.
  virtual absl::StatusOr<std::map<std::string, CountsByIndicator>> TargetsOf(
      const std::vector<std::string>& assignees, int year) = 0;
  // AchievedIn for every direct child of `unit_code` at once, keyed by the
  // child's code; a child with nothing achieved is absent.
  virtual absl::StatusOr<std::map<std::string, Achieved>> AchievedInChildren(
      const std::string& unit_code, int year) = 0;
  // Direct children of a unit, by code.
  virtual absl::StatusOr<std::vector<NamedKey>> Children(const std::string& unit_code) = 0;
  // The direct children of a unit a year expects a report from: open on
  // 31 December of `year` and with a target that year.
  virtual absl::StatusOr<std::vector<NamedKey>> ExpectedChildren(const std::string& unit_code,
                                                                 int year) = 0;
  // Every organization founded and admission made in `year` in enterprises
  // seated in `unit_code` or beneath it, by name.
  virtual absl::StatusOr<std::vector<CountedRow>> CountedIn(const std::string& unit_code,
                                                            int year) = 0;
  virtual absl::StatusOr<std::string> DisplayName(const std::string& key) = 0;
  virtual absl::StatusOr<bool> UnitExists(const std::string& unit_code) = 0;
  // The parent's code of a unit ("" for a root), the seat's code of an
  // enterprise; nullopt when the model has no such unit or enterprise.
  virtual absl::StatusOr<std::optional<std::string>> UnitParent(const std::string& unit_code) = 0;
  // The codes of the units with no parent (the provinces).
  virtual absl::StatusOr<std::vector<std::string>> RootUnits() = 0;
  virtual absl::StatusOr<std::optional<std::string>> EnterpriseSeat(const std::string& code) = 0;

  // Enterprises registered on or before `as_of` seated beneath the unit,
  // counted per status on that date.
  virtual absl::StatusOr<CountsByStatus> StatusCounts(const std::string& unit_code,
                                                      const std::string& as_of) = 0;
  // Active enterprises on `as_of`, and of them those with an active
  // organization of each kind.
  virtual absl::StatusOr<CoverageCounts> Coverage(const std::string& unit_code,
                                                  const std::string& as_of) = 0;
  // Active (on `as_of`) enterprises beneath the unit whose latest count of
  // the kind's members is at least `threshold` and that have no active
  // organization of `kind`; ordered by code, after `after_code`.
  virtual absl::StatusOr<std::vector<CandidateRow>> Candidates(const std::string& unit_code,
                                                               int kind, int threshold,
                                                               const std::string& as_of,
                                                               const std::string& after_code,
                                                               int limit) = 0;
  // Active enterprises with no official Party member.
  virtual absl::StatusOr<std::vector<CandidateRow>> FosteringCases(const std::string& unit_code,
                                                                   const std::string& as_of,
                                                                   const std::string& after_code,
                                                                   int limit) = 0;
  // Thresholds for a year, if quota set them.
  virtual absl::StatusOr<std::optional<quota::v1::FoundingThresholds>> Thresholds(int year) = 0;

 private:
  template <typename Change>
  static std::vector<const Change*> Pointers(const std::vector<Change>& changes) {
    std::vector<const Change*> out;
    out.reserve(changes.size());
    for (const auto& c : changes) {
      out.push_back(&c);
    }
    return out;
  }
};

}  // namespace chitieu::reporting

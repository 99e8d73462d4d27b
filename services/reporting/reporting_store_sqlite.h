#pragma once

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "libs/common/sqlite.h"
#include "services/reporting/reporting_store.h"

namespace chitieu::reporting {

// The read model in one SQLite database. It can be rebuilt from the feeds,
// so it runs with synchronous=NORMAL: a crash may lose the last batches,
// never part of one, and their cursor goes back with them.
class SqliteReportingStore : public ReportingStore {
 public:
  static absl::StatusOr<std::unique_ptr<SqliteReportingStore>> Open(const std::string& path);

  absl::Status ApplyRegistry(
      const std::vector<registry::v1::StreamChangesResponse>& changes) override;
  absl::Status ApplyQuota(const std::vector<quota::v1::StreamChangesResponse>& changes) override;
  absl::StatusOr<Cursor> GetCursor(const std::string& source) override;
  absl::Status Reset() override;

  absl::StatusOr<std::map<int, int64_t>> Targets(const std::string& assignee, int year) override;
  absl::StatusOr<Achieved> AchievedIn(const std::string& unit_code, int year) override;
  absl::StatusOr<std::map<std::string, Achieved>> AchievedByBody(const std::string& unit_code,
                                                                 int year) override;
  absl::StatusOr<std::vector<NamedKey>> Children(const std::string& unit_code) override;
  absl::StatusOr<std::string> DisplayName(const std::string& key) override;
  absl::StatusOr<bool> UnitExists(const std::string& unit_code) override;
  absl::StatusOr<std::optional<std::string>> UnitParent(const std::string& unit_code) override;
  absl::StatusOr<std::optional<std::string>> EnterpriseSeat(const std::string& code) override;
  absl::StatusOr<std::map<int, int64_t>> StatusCounts(const std::string& unit_code,
                                                      const std::string& as_of) override;
  absl::StatusOr<std::pair<int64_t, std::map<int, int64_t>>> Coverage(
      const std::string& unit_code, const std::string& as_of) override;
  absl::StatusOr<std::vector<CandidateRow>> Candidates(const std::string& unit_code, int kind,
                                                       int threshold, const std::string& as_of,
                                                       const std::string& after_code,
                                                       int limit) override;
  absl::StatusOr<std::vector<CandidateRow>> FosteringCases(const std::string& unit_code,
                                                           const std::string& as_of,
                                                           const std::string& after_code,
                                                           int limit) override;
  absl::StatusOr<std::optional<quota::v1::FoundingThresholds>> Thresholds(int year) override;

 private:
  explicit SqliteReportingStore(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}
  // Checks `first` follows the stored cursor of `source`; returns how many
  // leading changes were applied already (a redelivery) to skip.
  absl::StatusOr<size_t> CheckCursor(const std::string& source,
                                     const std::vector<int64_t>& sequences)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status SetCursor(const std::string& source, int64_t sequence,
                         const google::protobuf::Timestamp& commit_time)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status ApplyOne(const registry::v1::StreamChangesResponse& c)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status ApplyOne(const quota::v1::StreamChangesResponse& c)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  template <typename Change>
  absl::Status Apply(const std::string& source, const std::vector<Change>& changes);

  absl::Mutex mu_;
  std::unique_ptr<SqliteDb> db_ ABSL_GUARDED_BY(mu_);
};

}  // namespace chitieu::reporting

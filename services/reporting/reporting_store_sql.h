#pragma once

// The SQL implementation of ReportingStore (reporting_store.h), on SQLite or
// PostgreSQL.

#include <memory>
#include <string>

#include "libs/common/sql_store.h"
#include "services/reporting/reporting_store.h"

namespace chitieu::reporting {

// The read model in one SQLite file or a PostgreSQL database; the same
// statements on both (sql.h). It can be rebuilt from the feeds, so SQLite
// runs it with synchronous=NORMAL: a crash may lose the last batches,
// never part of one, and their cursor goes back with them. Several
// reporting replicas may share one PostgreSQL model: a batch is applied in
// a SERIALIZABLE transaction that checks the cursor, so when two replicas
// apply the same batch one of them retries, finds it applied, and skips it.
class SqlReportingStore : public ReportingStore {
 public:
  // `location`: a SQLite path (":memory:" for tests) or a postgresql:// URL.
  static absl::StatusOr<std::unique_ptr<SqlReportingStore>> Open(const std::string& location);

  absl::Status ApplyRegistry(
      const std::vector<registry::v1::StreamChangesResponse>& changes) override;
  absl::Status ApplyQuota(const std::vector<quota::v1::StreamChangesResponse>& changes) override;
  absl::StatusOr<Cursor> GetCursor(const std::string& source) override;
  absl::Status Reset() override;

  absl::StatusOr<CountsByIndicator> Targets(const std::string& assignee, int year) override;
  absl::StatusOr<Achieved> AchievedIn(const std::string& unit_code, int year) override;
  absl::StatusOr<std::map<std::string, Achieved>> AchievedByBody(const std::string& unit_code,
                                                                 int year) override;
  absl::StatusOr<std::map<std::string, CountsByIndicator>> TargetsOf(
      const std::vector<std::string>& assignees, int year) override;
  absl::StatusOr<std::map<std::string, Achieved>> AchievedInChildren(const std::string& unit_code,
                                                                     int year) override;
  absl::StatusOr<std::vector<NamedKey>> Children(const std::string& unit_code) override;
  absl::StatusOr<std::vector<NamedKey>> ExpectedChildren(const std::string& unit_code,
                                                         int year) override;
  absl::StatusOr<std::vector<CountedRow>> CountedIn(const std::string& unit_code,
                                                    int year) override;
  absl::StatusOr<std::string> DisplayName(const std::string& key) override;
  absl::StatusOr<bool> UnitExists(const std::string& unit_code) override;
  absl::StatusOr<std::optional<std::string>> UnitParent(const std::string& unit_code) override;
  absl::StatusOr<std::vector<std::string>> RootUnits() override;
  absl::StatusOr<std::optional<std::string>> EnterpriseSeat(const std::string& code) override;
  absl::StatusOr<CountsByStatus> StatusCounts(const std::string& unit_code,
                                              const std::string& as_of) override;
  absl::StatusOr<CoverageCounts> Coverage(const std::string& unit_code,
                                          const std::string& as_of) override;
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
  explicit SqlReportingStore(std::unique_ptr<SqlStoreCore> core) : core_(std::move(core)) {}
  template <typename Change>
  absl::Status Apply(const std::string& source, const std::vector<Change>& changes);

  std::unique_ptr<SqlStoreCore> core_;
};

}  // namespace chitieu::reporting

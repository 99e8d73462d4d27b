#pragma once

// Domain layer of report approvals: each unit's report for a year moves
// OPEN → SUBMITTED → APPROVED (→ ACCEPTED), or back with a reason. Submitting
// freezes the year's figures in a snapshot (report_snapshot.h); approved
// reports answer from it, and what changed since shows beside it. Who may
// call what is declared in proto/ (RELATION_PARENT for an approver); the
// rules that depend on the report itself are checked here, inside the
// transaction that moves it. docs/APPROVALS.md has the whole workflow. No
// gRPC.

#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "chitieu/reporting/v1/reporting.pb.h"
#include "google/api/httpbody.pb.h"
#include "libs/common/dates.h"
#include "libs/common/policy.h"
#include "services/reporting/approval_store.h"
#include "services/reporting/consistent_read.h"
#include "services/reporting/reporting.h"
#include "services/reporting/reporting_store.h"

namespace chitieu::reporting {

// APPROVED or ACCEPTED: the level above stands behind the figures.
inline bool IsApproved(v1::ReportState state) {
  return state == v1::REPORT_STATE_APPROVED || state == v1::REPORT_STATE_ACCEPTED;
}
// SUBMITTED, APPROVED or ACCEPTED: the figures are frozen.
inline bool IsSubmitted(v1::ReportState state) {
  return state == v1::REPORT_STATE_SUBMITTED || IsApproved(state);
}

struct ApprovalOptions {
  // The city accepts approved reports, a second step (--report_acceptance).
  bool acceptance = false;
};

class Approvals {
 public:
  // `policy` tells whether a reader's scope covers a report's unit.
  Approvals(ApprovalStore* store, ReportingStore* model, Reporting* reporting, Policy* policy,
            TodayFn today, ApprovalOptions options)
      : store_(store),
        model_(model),
        reporting_(reporting),
        policy_(policy),
        today_(std::move(today)),
        options_(options) {}

  // `reader`: the principal reading (nullopt: another service or an
  // operator's tool). A reader from below the unit (a ward reading its
  // district's report) sees its state, who moved it and when, and the
  // content hash, not the figures, the records counted or the reasons.
  absl::StatusOr<pb::Report> GetReport(const pb::GetReportRequest& request,
                                       const std::optional<Principal>& reader = std::nullopt);
  absl::StatusOr<pb::ListReportTransitionsResponse> ListReportTransitions(
      const pb::ListReportTransitionsRequest& request,
      const std::optional<Principal>& reader = std::nullopt);
  // `actor`: the principal making the transition.
  absl::StatusOr<pb::Report> SubmitReport(const pb::SubmitReportRequest& request,
                                          const std::string& actor);
  absl::StatusOr<pb::Report> ApproveReport(const pb::ApproveReportRequest& request,
                                           const std::string& actor);
  absl::StatusOr<pb::Report> ReturnReport(const pb::ReturnReportRequest& request,
                                          const std::string& actor);
  absl::StatusOr<pb::Report> AcceptReport(const pb::AcceptReportRequest& request,
                                          const std::string& actor);
  absl::StatusOr<pb::Report> ReopenReport(const pb::ReopenReportRequest& request,
                                          const std::string& actor);
  absl::StatusOr<pb::BatchReportTransitionResponse> BatchApproveReports(
      const pb::BatchApproveReportsRequest& request, const std::string& actor);
  absl::StatusOr<pb::BatchReportTransitionResponse> BatchAcceptReports(
      const pb::BatchAcceptReportsRequest& request, const std::string& actor);
  absl::StatusOr<pb::ReportingCompleteness> GetReportingCompleteness(
      const pb::GetReportingCompletenessRequest& request);
  absl::StatusOr<pb::ReportDeadline> SetReportDeadline(const pb::SetReportDeadlineRequest& request,
                                                       const std::string& actor);

  // Reporting's progress and year-end report with the year's report state,
  // the submitted figures and what changed since.
  absl::StatusOr<pb::Progress> GetProgress(const pb::GetProgressRequest& request);
  absl::StatusOr<pb::YearEndReport> GetYearEndReport(const pb::GetYearEndReportRequest& request);
  // Reporting's CSV export, of the figures as approved once they are.
  absl::StatusOr<std::vector<std::string>> ExportReport(const pb::ExportReportRequest& request);
  // ExportReport's table as a file in the requested format, named after
  // the unit and the year.
  absl::StatusOr<google::api::HttpBody> DownloadExport(const pb::DownloadExportRequest& request);
  // The year-end report as a file (a PDF), of the figures as approved once
  // they are, with the approval stamp.
  absl::StatusOr<google::api::HttpBody> DownloadYearEndReport(
      const pb::DownloadYearEndReportRequest& request);

 private:
  enum class Action { kSubmit, kApprove, kReturn, kAccept, kReopen };
  struct ReportKey {
    std::string name;  // units/{code}/reports/{year}
    std::string unit_code;
    int year = 0;
  };
  struct Move {
    Action action;
    std::string etag, reason, request_id;
  };

  absl::StatusOr<ReportKey> ParseReport(const std::string& name, const std::string& field);
  // The report of `unit` ("units/…") for `year`: INVALID_ARGUMENT on
  // "unit" or "year" for a malformed one, NOT_FOUND for a unit the read
  // model does not hold.
  absl::StatusOr<ReportKey> UnitReport(const std::string& unit, int year);
  // One transition of one report, in one transaction; `method` and
  // `request` make it idempotent by request_id.
  absl::StatusOr<pb::Report> Transition(const ReportKey& key, const Move& move,
                                        const std::string& actor, const std::string& method,
                                        const google::protobuf::Message& request);
  // OK if the report of the unit's parent is approved (or the parent is a
  // province, whose reports nobody approves here); FAILED_PRECONDITION
  // saying it must be, to accept this report, otherwise.
  absl::Status ParentApproved(ApprovalTx& tx, const ReportKey& key);
  // The rules of `move` on `report` as stored, inside the transaction.
  absl::Status CheckMove(ApprovalTx& tx, const ReportKey& key, const Move& move,
                         const std::string& actor, const pb::Report& report);
  absl::StatusOr<pb::BatchReportTransitionResponse> Batch(const std::string& parent, int year,
                                                          Action action, const std::string& actor,
                                                          const std::string& method,
                                                          const google::protobuf::Message& request,
                                                          const std::string& request_id);
  // The year's figures of a unit with the feed positions they were read at.
  absl::StatusOr<pb::ReportSnapshot> Freeze(const ReportKey& key);
  // A unit's figures and counted records for a year as one state of the
  // read model, and the feed positions of that state.
  struct LiveState {
    pb::Progress figures;
    google::protobuf::RepeatedPtrField<pb::CountedRecord> records;
    FeedPositions at;
  };
  // `figures()` and the unit's records, read at rest (consistent_read.h).
  absl::StatusOr<LiveState> ReadLive(const ReportKey& key,
                                     const std::function<absl::StatusOr<pb::Progress>()>& figures);
  // Live counted records of a unit and year.
  absl::StatusOr<google::protobuf::RepeatedPtrField<pb::CountedRecord>> LiveRecords(
      const std::string& unit_code, int year);
  // The stored report, or a new OPEN one.
  absl::StatusOr<pb::Report> Load(ApprovalTx& tx, const ReportKey& key);
  // Adds what a reader sees beside the stored report: the due date, whether
  // it is overdue, the changes since submission (against `live`, read here
  // when null), a snapshot ahead of the sources.
  absl::Status Annotate(const ReportKey& key, pb::Report& report, const LiveState* live = nullptr);
  // True unless `reader` reads the unit's report from below it.
  absl::StatusOr<bool> SeesFigures(const std::optional<Principal>& reader, const ReportKey& key);
  // The report of `unit` ("units/…") for `year` if it is APPROVED or
  // ACCEPTED (with what changed since); INVALID_ARGUMENT on "unit" or
  // "year" for a malformed one.
  absl::StatusOr<std::optional<pb::Report>> ApprovedReport(const std::string& unit, int year);
  // The stored report (or a new OPEN one), annotated.
  absl::StatusOr<pb::Report> Current(const ReportKey& key);
  // The stored report of the unit's parent for the year; nullopt for a
  // province or a parent nobody has acted on.
  absl::StatusOr<std::optional<pb::Report>> ParentReport(ApprovalTx& tx, const ReportKey& key);

  ApprovalStore* store_;
  ReportingStore* model_;
  Reporting* reporting_;
  Policy* policy_;
  TodayFn today_;
  ApprovalOptions options_;
};

}  // namespace chitieu::reporting

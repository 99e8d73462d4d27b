// Report approvals: the lifecycle of each unit's report for a year, its
// snapshot, its transitions (reporting_approvals.h).

#include "services/reporting/reporting_approvals.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/common/errors.h"
#include "libs/common/idempotency.h"
#include "libs/common/mutation.h"
#include "libs/common/names.h"
#include "libs/common/status_macros.h"
#include "libs/common/transaction.h"
#include "libs/common/validation.h"
#include "services/reporting/report_snapshot.h"

namespace chitieu::reporting {
namespace {

constexpr int kMaxReason = 2000;

std::string StateName(pb::ReportState state) {
  return pb::ReportState_Name(state).substr(sizeof("REPORT_STATE_") - 1);
}

// "units/002/reports/2013 is SUBMITTED; only an OPEN report can be
// submitted".
absl::Status WrongState(const std::string& name, pb::ReportState state, const char* wanted,
                        const char* moved) {
  return WithReason(
      absl::FailedPreconditionError(absl::StrCat(name, " is ", StateName(state), "; only ", wanted,
                                                 " report can be ", moved)),
      "REPORT_STATE");
}

}  // namespace

absl::StatusOr<Approvals::ReportKey> Approvals::ParseReport(const std::string& name,
                                                            const std::string& field) {
  ASSIGN_OR_RETURN(auto ids, ParseName("units/{unit}/reports/{report}", name, field));
  ReportKey key{name, ids[0], 0};
  if (!absl::SimpleAtoi(ids[1], &key.year) || ids[1].size() != 4) {
    return InvalidField(field, "must name a report by its year: units/{unit}/reports/{year}");
  }
  RETURN_IF_ERROR(CheckReportYear(key.year, field));
  ASSIGN_OR_RETURN(auto exists, model_->UnitExists(key.unit_code));
  if (!exists) {
    return absl::NotFoundError(absl::StrCat("units/", key.unit_code, " is not in the read model"));
  }
  return key;
}

absl::StatusOr<Approvals::ReportKey> Approvals::UnitReport(const std::string& unit, int year) {
  ASSIGN_OR_RETURN(auto code, ParseSingleName("units", unit, "unit"));
  RETURN_IF_ERROR(CheckReportYear(year, "year"));
  return ParseReport(absl::StrCat("units/", code, "/reports/", year), "unit");
}

absl::StatusOr<pb::Report> Approvals::Load(ApprovalTx& tx, const ReportKey& key) {
  ASSIGN_OR_RETURN(auto stored, tx.GetReport(key.unit_code, key.year));
  if (stored.has_value()) {
    return std::move(*stored);
  }
  pb::Report report;
  report.set_name(key.name);
  report.set_state(pb::REPORT_STATE_OPEN);
  ASSIGN_OR_RETURN(auto unit_name, model_->DisplayName("units/" + key.unit_code));
  report.set_display_name(absl::StrCat(unit_name, " — ", key.year));
  return report;
}

absl::StatusOr<google::protobuf::RepeatedPtrField<pb::CountedRecord>> Approvals::LiveRecords(
    const std::string& unit_code, int year) {
  ASSIGN_OR_RETURN(auto rows, model_->CountedIn(unit_code, year));
  google::protobuf::RepeatedPtrField<pb::CountedRecord> out;
  for (auto& row : rows) {
    pb::CountedRecord* r = out.Add();
    r->set_name(std::move(row.name));
    r->set_indicator(IndicatorOfKind(row.kind));
    r->set_count(static_cast<int32_t>(row.count));
    *r->mutable_record_time() = row.record_time;
    r->set_recorded_by(std::move(row.recorded_by));
  }
  return out;
}

absl::StatusOr<Approvals::LiveState> Approvals::ReadLive(
    const ReportKey& key, const std::function<absl::StatusOr<pb::Progress>()>& figures) {
  LiveState live;
  ASSIGN_OR_RETURN(auto at, ReadAtRest(*model_, [&]() -> absl::Status {
                     ASSIGN_OR_RETURN(live.figures, figures());
                     ASSIGN_OR_RETURN(live.records, LiveRecords(key.unit_code, key.year));
                     return absl::OkStatus();
                   }));
  live.at = at;
  return live;
}

absl::StatusOr<pb::ReportSnapshot> Approvals::Freeze(const ReportKey& key) {
  ASSIGN_OR_RETURN(
      auto live, ReadLive(key, [&] { return reporting_->Figures(key.unit_code, key.year, true); }));
  pb::ReportSnapshot s;
  *s.mutable_indicators() = std::move(*live.figures.mutable_indicators());
  *s.mutable_records() = std::move(live.records);
  s.set_registry_sequence(live.at.registry);
  s.set_quota_sequence(live.at.quota);
  *s.mutable_create_time() = ProtoNow();
  SealSnapshot(key.name, s);
  return s;
}

absl::StatusOr<std::optional<pb::Report>> Approvals::ParentReport(ApprovalTx& tx,
                                                                  const ReportKey& key) {
  ASSIGN_OR_RETURN(auto parent, model_->UnitParent(key.unit_code));
  if (!parent.has_value() || parent->empty()) {
    return std::optional<pb::Report>();
  }
  return tx.GetReport(*parent, key.year);
}

absl::Status Approvals::ParentApproved(ApprovalTx& tx, const ReportKey& key) {
  ASSIGN_OR_RETURN(auto parent, model_->UnitParent(key.unit_code));
  ASSIGN_OR_RETURN(auto grandparent, model_->UnitParent(parent.value_or("")));
  if (!grandparent.has_value() || grandparent->empty()) {
    return absl::OkStatus();  // A province, or below one: nobody approves it here.
  }
  ASSIGN_OR_RETURN(auto above, ParentReport(tx, key));
  if (above.has_value() && IsApproved(above->state())) {
    return absl::OkStatus();
  }
  return WithReason(
      absl::FailedPreconditionError(absl::StrCat("units/", *parent, "/reports/", key.year,
                                                 " is approved first, to accept this report")),
      "PARENT_NOT_APPROVED");
}

absl::Status Approvals::CheckMove(ApprovalTx& tx, const ReportKey& key, const Move& move,
                                  const std::string& actor, const pb::Report& report) {
  RETURN_IF_ERROR(CheckEtag(move.etag, report.etag()));
  const pb::ReportState state = report.state();
  switch (move.action) {
    case Action::kSubmit: {
      if (state != pb::REPORT_STATE_OPEN) {
        return WrongState(key.name, state, "an OPEN", "submitted");
      }
      // A province's own report has no level above it here to approve it.
      ASSIGN_OR_RETURN(auto parent, model_->UnitParent(key.unit_code));
      if (!parent.has_value() || parent->empty()) {
        return WithReason(
            absl::FailedPreconditionError(absl::StrCat(
                "units/", key.unit_code, " has no unit above it: its reports go outside Chỉ tiêu")),
            "NO_APPROVER");
      }
      return absl::OkStatus();
    }
    case Action::kReturn:
      if (state != pb::REPORT_STATE_SUBMITTED) {
        return WrongState(key.name, state, "a SUBMITTED", "returned");
      }
      return absl::OkStatus();
    case Action::kAccept:
      if (!options_.acceptance) {
        return WithReason(absl::FailedPreconditionError(
                              "this province does not use acceptance: an approved report is final"),
                          "ACCEPTANCE_OFF");
      }
      if (state != pb::REPORT_STATE_APPROVED) {
        return WrongState(key.name, state, "an APPROVED", "accepted");
      }
      // Below a district, the district stands behind it first: then the
      // level that approved it can no longer undo the city's acceptance.
      return ParentApproved(tx, key);
    case Action::kReopen: {
      if (!IsApproved(state)) {
        return WrongState(key.name, state, "an APPROVED or ACCEPTED", "reopened");
      }
      // The level above stands behind this report: it is reopened first.
      ASSIGN_OR_RETURN(auto above, ParentReport(tx, key));
      if (above.has_value() && IsApproved(above->state())) {
        return WithReason(absl::FailedPreconditionError(
                              absl::StrCat(above->name(), " is ", StateName(above->state()),
                                           " and counts this report; ", "reopen it first")),
                          "PARENT_APPROVED");
      }
      return absl::OkStatus();
    }
    case Action::kApprove: {
      if (state != pb::REPORT_STATE_SUBMITTED) {
        return WrongState(key.name, state, "a SUBMITTED", "approved");
      }
      if (report.submitted_by() == actor) {
        // A rule of the report as stored (who submitted it), not of the
        // caller's scope: FAILED_PRECONDITION, as every such rule.
        return WithReason(absl::FailedPreconditionError(
                              "a report is approved by someone other than whoever submitted it"),
                          "SELF_APPROVAL");
      }
      ASSIGN_OR_RETURN(auto children, model_->ExpectedChildren(key.unit_code, key.year));
      std::vector<std::string> pending;
      std::vector<std::string> resubmitted;
      const auto& frozen = report.snapshot();
      for (const auto& child : children) {
        ASSIGN_OR_RETURN(auto r, tx.GetReport(child.key.substr(6), key.year));
        const std::string name = absl::StrCat(child.key, "/reports/", key.year);
        if (!r.has_value() || !IsApproved(r->state())) {
          pending.push_back(name);
        } else if (r->snapshot().registry_sequence() > frozen.registry_sequence() ||
                   r->snapshot().quota_sequence() > frozen.quota_sequence()) {
          // Submitted again over figures that moved after this report's.
          resubmitted.push_back(name);
        }
      }
      if (!resubmitted.empty()) {
        // This report's figures were frozen at feed positions before those
        // children's last ones: return it, so that it is submitted again
        // over them.
        return WithReason(absl::FailedPreconditionError(absl::StrCat(
                              "child reports were submitted again over later figures: ",
                              absl::StrJoin(resubmitted, ", "), "; return it to be resubmitted")),
                          "CHILDREN_RESUBMITTED");
      }
      if (!pending.empty()) {
        return WithReason(absl::FailedPreconditionError(absl::StrCat(
                              "every expected child unit's report is approved first; pending: ",
                              absl::StrJoin(pending, ", "))),
                          "CHILDREN_PENDING");
      }
      return absl::OkStatus();
    }
  }
  return absl::InternalError("unknown action");
}

absl::StatusOr<pb::Report> Approvals::Transition(const ReportKey& key, const Move& move,
                                                 const std::string& actor,
                                                 const std::string& method,
                                                 const google::protobuf::Message& request) {
  if (move.action == Action::kReturn || move.action == Action::kReopen) {
    FieldViolations v;
    CheckText(v, "reason", move.reason, true, kMaxReason);
    RETURN_IF_ERROR(v.ToStatus());
  }
  std::optional<pb::ReportSnapshot> snapshot;
  if (move.action == Action::kSubmit) {
    // A retry gets its first answer, and a report that cannot be submitted
    // is refused, before the figures are computed (Idempotent and the
    // transaction below check both again). A read: on PostgreSQL a
    // SERIALIZABLE transaction's lookup would conflict with every claim.
    ASSIGN_OR_RETURN(auto fresh, InView<bool>(store_, [&](ApprovalTx& tx) -> absl::StatusOr<bool> {
                       if (!move.request_id.empty()) {
                         ASSIGN_OR_RETURN(auto stored, tx.GetRequest(move.request_id));
                         if (stored.has_value()) {
                           return false;
                         }
                       }
                       ASSIGN_OR_RETURN(auto report, Load(tx, key));
                       RETURN_IF_ERROR(CheckMove(tx, key, move, actor, report));
                       return true;
                     }));
    if (fresh) {
      ASSIGN_OR_RETURN(auto frozen, Freeze(key));
      snapshot = std::move(frozen);
    }
  }
  ASSIGN_OR_RETURN(
      auto moved,
      Idempotent<pb::Report>(
          store_, method, request, move.request_id,
          [&](ApprovalTx& tx) -> absl::StatusOr<pb::Report> {
            ASSIGN_OR_RETURN(auto report, Load(tx, key));
            RETURN_IF_ERROR(CheckMove(tx, key, move, actor, report));
            const bool created = report.etag().empty();
            const pb::ReportState from = report.state();
            const auto now = ProtoNow();
            switch (move.action) {
              case Action::kSubmit:
                if (!snapshot.has_value()) {
                  return absl::AbortedError("the report moved meanwhile; submit again");
                }
                report.set_state(pb::REPORT_STATE_SUBMITTED);
                report.set_submitted_by(actor);
                *report.mutable_submit_time() = now;
                report.clear_approved_by();
                report.clear_approve_time();
                report.clear_accepted_by();
                report.clear_accept_time();
                report.clear_reason();
                *report.mutable_snapshot() = *snapshot;
                break;
              case Action::kApprove:
                report.set_state(pb::REPORT_STATE_APPROVED);
                report.set_approved_by(actor);
                *report.mutable_approve_time() = now;
                break;
              case Action::kAccept:
                report.set_state(pb::REPORT_STATE_ACCEPTED);
                report.set_accepted_by(actor);
                *report.mutable_accept_time() = now;
                break;
              case Action::kReturn:
              case Action::kReopen:
                report.set_state(pb::REPORT_STATE_OPEN);
                report.set_reason(move.reason);
                break;
            }
            if (created) {
              StampCreated(report);
            } else {
              StampUpdated(report);
            }
            pb::ReportTransition t;
            t.set_report(key.name);
            t.set_from_state(from);
            t.set_to_state(report.state());
            t.set_actor(actor);
            *t.mutable_time() = report.update_time();
            t.set_reason(move.reason);
            t.set_content_hash(report.snapshot().content_hash());
            RETURN_IF_ERROR(tx.PutReport(key.unit_code, key.year, report));
            RETURN_IF_ERROR(tx.AddTransition(key.unit_code, key.year, t));
            RETURN_IF_ERROR(EmitChange(
                tx, created ? type::v1::CHANGE_TYPE_CREATED : type::v1::CHANGE_TYPE_UPDATED,
                &pb::StreamChangesResponse::mutable_report, report));
            RETURN_IF_ERROR(EmitChange(tx, type::v1::CHANGE_TYPE_CREATED,
                                       &pb::StreamChangesResponse::mutable_transition, t));
            return report;
          }));
  RETURN_IF_ERROR(Annotate(key, moved));
  return moved;
}

absl::StatusOr<bool> Approvals::SeesFigures(const std::optional<Principal>& reader,
                                            const ReportKey& key) {
  if (!reader.has_value()) {
    return true;
  }
  return policy_->Covers(reader->scope, "units/" + key.unit_code);
}

absl::StatusOr<pb::Report> Approvals::Current(const ReportKey& key) {
  ASSIGN_OR_RETURN(auto report,
                   InView<pb::Report>(store_, [&](ApprovalTx& tx) { return Load(tx, key); }));
  RETURN_IF_ERROR(Annotate(key, report));
  return report;
}

absl::StatusOr<pb::Report> Approvals::GetReport(const pb::GetReportRequest& request,
                                                const std::optional<Principal>& reader) {
  ASSIGN_OR_RETURN(auto key, ParseReport(request.name(), "name"));
  ASSIGN_OR_RETURN(auto report, Current(key));
  ASSIGN_OR_RETURN(auto sees, SeesFigures(reader, key));
  if (!sees) {
    // Read from below: the state and the stamp, not the level's figures,
    // the records it counted or the reasons given.
    if (report.has_snapshot()) {
      pb::ReportSnapshot stamp;
      stamp.set_content_hash(report.snapshot().content_hash());
      *stamp.mutable_create_time() = report.snapshot().create_time();
      *report.mutable_snapshot() = std::move(stamp);
    }
    report.clear_changes_since_submission();
    report.clear_reason();
  }
  return report;
}

absl::StatusOr<pb::ListReportTransitionsResponse> Approvals::ListReportTransitions(
    const pb::ListReportTransitionsRequest& request, const std::optional<Principal>& reader) {
  ASSIGN_OR_RETURN(auto key, ParseReport(request.parent(), "parent"));
  ASSIGN_OR_RETURN(auto sees, SeesFigures(reader, key));
  ASSIGN_OR_RETURN(auto transitions,
                   InView<std::vector<pb::ReportTransition>>(store_, [&](ApprovalTx& tx) {
                     return tx.Transitions(key.unit_code, key.year);
                   }));
  pb::ListReportTransitionsResponse out;
  for (auto& t : transitions) {
    if (!sees) {
      t.clear_reason();
    }
    *out.add_transitions() = std::move(t);
  }
  return out;
}

absl::StatusOr<pb::Report> Approvals::SubmitReport(const pb::SubmitReportRequest& request,
                                                   const std::string& actor) {
  RETURN_IF_ERROR(CheckRequestId(request.request_id()));
  ASSIGN_OR_RETURN(auto key, ParseReport(request.name(), "name"));
  return Transition(key, {Action::kSubmit, request.etag(), "", request.request_id()}, actor,
                    "SubmitReport", request);
}

absl::StatusOr<pb::Report> Approvals::ApproveReport(const pb::ApproveReportRequest& request,
                                                    const std::string& actor) {
  RETURN_IF_ERROR(CheckRequestId(request.request_id()));
  ASSIGN_OR_RETURN(auto key, ParseReport(request.name(), "name"));
  return Transition(key, {Action::kApprove, request.etag(), "", request.request_id()}, actor,
                    "ApproveReport", request);
}

absl::StatusOr<pb::Report> Approvals::ReturnReport(const pb::ReturnReportRequest& request,
                                                   const std::string& actor) {
  RETURN_IF_ERROR(CheckRequestId(request.request_id()));
  ASSIGN_OR_RETURN(auto key, ParseReport(request.name(), "name"));
  return Transition(key, {Action::kReturn, request.etag(), request.reason(), request.request_id()},
                    actor, "ReturnReport", request);
}

absl::StatusOr<pb::Report> Approvals::AcceptReport(const pb::AcceptReportRequest& request,
                                                   const std::string& actor) {
  RETURN_IF_ERROR(CheckRequestId(request.request_id()));
  ASSIGN_OR_RETURN(auto key, ParseReport(request.name(), "name"));
  return Transition(key, {Action::kAccept, request.etag(), "", request.request_id()}, actor,
                    "AcceptReport", request);
}

absl::StatusOr<pb::Report> Approvals::ReopenReport(const pb::ReopenReportRequest& request,
                                                   const std::string& actor) {
  RETURN_IF_ERROR(CheckRequestId(request.request_id()));
  ASSIGN_OR_RETURN(auto key, ParseReport(request.name(), "name"));
  return Transition(key, {Action::kReopen, request.etag(), request.reason(), request.request_id()},
                    actor, "ReopenReport", request);
}

absl::StatusOr<pb::BatchReportTransitionResponse> Approvals::Batch(
    const std::string& parent, int year, Action action, const std::string& actor,
    const std::string& method, const google::protobuf::Message& request,
    const std::string& request_id) {
  RETURN_IF_ERROR(CheckRequestId(request_id));
  ASSIGN_OR_RETURN(auto code, ParseSingleName("units", parent, "parent"));
  RETURN_IF_ERROR(CheckReportYear(year, "year"));
  ASSIGN_OR_RETURN(auto exists, model_->UnitExists(code));
  if (!exists) {
    return absl::NotFoundError(absl::StrCat(parent, " is not in the read model"));
  }
  // Each child moves in a transaction of its own, idempotent under a
  // request id of its own derived from the batch's: a retry of the batch
  // gets each move's first answer, and tries again only what failed.
  ASSIGN_OR_RETURN(auto children, model_->ExpectedChildren(code, year));
  pb::BatchReportTransitionResponse out;
  for (const auto& child : children) {
    ReportKey key{absl::StrCat(child.key, "/reports/", year), child.key.substr(6), year};
    pb::ReportTransitionResult* result = out.add_results();
    result->set_report(key.name);
    const std::string child_request =
        request_id.empty() ? "" : absl::StrCat(request_id, "/", key.unit_code);
    auto moved = Transition(key, {action, "", "", child_request}, actor, method, request);
    if (moved.ok()) {
      result->set_state(moved->state());
      continue;
    }
    result->set_code(static_cast<int>(moved.status().code()));
    result->set_message(CallerMessage(moved.status()));
    auto current = Current(key);
    result->set_state(current.ok() ? current->state() : pb::REPORT_STATE_UNSPECIFIED);
  }
  return out;
}

absl::StatusOr<pb::BatchReportTransitionResponse> Approvals::BatchApproveReports(
    const pb::BatchApproveReportsRequest& request, const std::string& actor) {
  return Batch(request.parent(), request.year(), Action::kApprove, actor, "BatchApproveReports",
               request, request.request_id());
}

absl::StatusOr<pb::BatchReportTransitionResponse> Approvals::BatchAcceptReports(
    const pb::BatchAcceptReportsRequest& request, const std::string& actor) {
  return Batch(request.parent(), request.year(), Action::kAccept, actor, "BatchAcceptReports",
               request, request.request_id());
}

}  // namespace chitieu::reporting

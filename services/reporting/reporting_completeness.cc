// Report approvals as readers see them: the due date and overdue flag, the
// changes since submission beside a stored report, progress and the
// year-end report with the year's report, and the completeness view
// (reporting_approvals.h).

#include <deque>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "libs/common/errors.h"
#include "libs/common/file_types.h"
#include "libs/common/mutation.h"
#include "libs/common/names.h"
#include "libs/common/status_macros.h"
#include "libs/common/transaction.h"
#include "libs/common/validation.h"
#include "services/reporting/report_documents.h"
#include "services/reporting/report_snapshot.h"
#include "services/reporting/reporting_approvals.h"

namespace chitieu::reporting {

absl::Status Approvals::Annotate(const ReportKey& key, pb::Report& report, const LiveState* live) {
  ASSIGN_OR_RETURN(auto deadline,
                   InView<std::optional<pb::ReportDeadline>>(
                       store_, [&](ApprovalTx& tx) { return tx.GetDeadline(key.year); }));
  if (deadline.has_value()) {
    report.set_due_date(deadline->due_date());
    report.set_overdue(report.state() == pb::REPORT_STATE_OPEN &&
                       FormatDate(today_()) > deadline->due_date());
  }
  if (!report.has_snapshot() || !IsSubmitted(report.state())) {
    return absl::OkStatus();
  }
  LiveState read;
  if (live == nullptr) {
    ASSIGN_OR_RETURN(
        read, ReadLive(key, [&] { return reporting_->Figures(key.unit_code, key.year, false); }));
    live = &read;
  }
  for (auto& change : ChangesSince(report.snapshot(), live->figures.indicators(), live->records)) {
    *report.add_changes_since_submission() = std::move(change);
  }
  // A source restored from an older backup ends before the positions the
  // snapshot was computed at: its figures cannot be recomputed from it.
  report.mutable_snapshot()->set_ahead_of_sources(
      report.snapshot().registry_sequence() > live->at.registry ||
      report.snapshot().quota_sequence() > live->at.quota);
  return absl::OkStatus();
}

absl::StatusOr<pb::Progress> Approvals::GetProgress(const pb::GetProgressRequest& request) {
  ASSIGN_OR_RETURN(auto key, UnitReport(request.unit(), request.year()));
  ASSIGN_OR_RETURN(auto report,
                   InView<pb::Report>(store_, [&](ApprovalTx& tx) { return Load(tx, key); }));
  // Beside a submitted report, the progress answered and the changes since
  // come from one state of the model: the live figures are those of the
  // progress, not computed again.
  LiveState live;
  if (IsSubmitted(report.state())) {
    ASSIGN_OR_RETURN(live, ReadLive(key, [&] { return reporting_->GetProgress(request); }));
  } else {
    ASSIGN_OR_RETURN(live.figures, reporting_->GetProgress(request));
  }
  RETURN_IF_ERROR(Annotate(key, report, &live));
  pb::Progress progress = std::move(live.figures);
  progress.set_report_state(report.state());
  if (IsSubmitted(report.state())) {
    *progress.mutable_submitted_indicators() = report.snapshot().indicators();
    *progress.mutable_changes_since_submission() = report.changes_since_submission();
  }
  return progress;
}

absl::StatusOr<std::optional<pb::Report>> Approvals::ApprovedReport(const std::string& unit,
                                                                    int year) {
  ASSIGN_OR_RETURN(auto key, UnitReport(unit, year));
  ASSIGN_OR_RETURN(auto report, Current(key));
  if (!IsApproved(report.state())) {
    return std::optional<pb::Report>();
  }
  return std::optional<pb::Report>(std::move(report));
}

absl::StatusOr<pb::YearEndReport> Approvals::GetYearEndReport(
    const pb::GetYearEndReportRequest& request) {
  ASSIGN_OR_RETURN(auto approved, ApprovedReport(request.unit(), request.year()));
  return reporting_->GetYearEndReport(request, approved.has_value() ? &*approved : nullptr);
}

absl::StatusOr<std::vector<std::string>> Approvals::ExportReport(
    const pb::ExportReportRequest& request) {
  ASSIGN_OR_RETURN(auto approved, ApprovedReport(request.unit(), request.year()));
  return reporting_->ExportReport(request, approved.has_value() ? &*approved : nullptr);
}

absl::StatusOr<google::api::HttpBody> Approvals::DownloadExport(
    const pb::DownloadExportRequest& request) {
  const std::string base =
      absl::StrCat("chi-tieu-", absl::StripPrefix(request.unit(), "units/"), "-", request.year());
  pb::ExportReportRequest table;
  table.set_unit(request.unit());
  table.set_year(request.year());
  // The unit's name and the year are checked first, then the format,
  // before the file's figures are computed (whether the unit exists is
  // checked with them); both files carry the figures as approved, if they
  // are.
  ASSIGN_OR_RETURN(auto approved, ApprovedReport(request.unit(), request.year()));
  const pb::Report* as_approved = approved.has_value() ? &*approved : nullptr;
  if (request.format() == pb::EXPORT_FORMAT_XLSX) {
    ASSIGN_OR_RETURN(std::string workbook, reporting_->ExportWorkbook(table, as_approved));
    const FileType* xlsx = FileTypeOfFormat("XLSX");
    return FileBody(*xlsx, std::move(workbook), absl::StrCat(base, ".", xlsx->extension));
  }
  if (request.format() != pb::EXPORT_FORMAT_CSV) {
    return InvalidField("format", "must be EXPORT_FORMAT_CSV or EXPORT_FORMAT_XLSX");
  }
  ASSIGN_OR_RETURN(std::vector<std::string> lines, reporting_->ExportReport(table, as_approved));
  const FileType* csv = FileTypeOfFormat("CSV");
  return FileBody(*csv, CsvFile(lines), absl::StrCat(base, ".", csv->extension));
}

absl::StatusOr<google::api::HttpBody> Approvals::DownloadYearEndReport(
    const pb::DownloadYearEndReportRequest& request) {
  // The unit and the year are checked first, as GetYearEndReport checks
  // them.
  ASSIGN_OR_RETURN(auto approved, ApprovedReport(request.unit(), request.year()));
  if (request.format() != pb::YEAR_END_REPORT_FORMAT_PDF) {
    return InvalidField("format", "must be YEAR_END_REPORT_FORMAT_PDF");
  }
  ASSIGN_OR_RETURN(std::string pdf,
                   reporting_->YearEndReportPdf(request.unit(), request.year(),
                                                approved.has_value() ? &*approved : nullptr));
  const FileType* type = FileTypeOfFormat("PDF");
  return FileBody(*type, std::move(pdf),
                  absl::StrCat("bao-cao-nam-", absl::StripPrefix(request.unit(), "units/"), "-",
                               request.year(), ".", type->extension));
}

absl::StatusOr<pb::ReportDeadline> Approvals::SetReportDeadline(
    const pb::SetReportDeadlineRequest& request, const std::string& actor) {
  RETURN_IF_ERROR(CheckRequestId(request.request_id()));
  FieldViolations v;
  if (request.year() < 2000 || request.year() > 2999) {
    v.Add("year", "must be a year from 2000");
  }
  absl::CivilDay due;
  if (CheckDate(v, "due_date", request.due_date(), &due) && due.year() < request.year()) {
    v.Add("due_date", "must not be before the year it is for");
  }
  RETURN_IF_ERROR(v.ToStatus());
  return Idempotent<pb::ReportDeadline>(
      store_, "SetReportDeadline", request, request.request_id(),
      [&](ApprovalTx& tx) -> absl::StatusOr<pb::ReportDeadline> {
        ASSIGN_OR_RETURN(auto before, tx.GetDeadline(request.year()));
        pb::ReportDeadline d;
        d.set_year(request.year());
        d.set_due_date(request.due_date());
        d.set_set_by(actor);
        *d.mutable_update_time() = ProtoNow();
        RETURN_IF_ERROR(tx.PutDeadline(d));
        RETURN_IF_ERROR(EmitChange(
            tx, before.has_value() ? type::v1::CHANGE_TYPE_UPDATED : type::v1::CHANGE_TYPE_CREATED,
            &pb::StreamChangesResponse::mutable_deadline, d));
        return d;
      });
}

absl::StatusOr<pb::ReportingCompleteness> Approvals::GetReportingCompleteness(
    const pb::GetReportingCompletenessRequest& request) {
  ASSIGN_OR_RETURN(auto code, ParseSingleName("units", request.unit(), "unit"));
  RETURN_IF_ERROR(CheckReportYear(request.year(), "year"));
  const int year = request.year();
  RETURN_IF_ERROR(ParseReport(absl::StrCat("units/", code, "/reports/", year), "unit").status());
  struct Pending {
    std::string unit_key;  // units/…
    std::string display_name;
    int depth;
  };
  ASSIGN_OR_RETURN(auto name, model_->DisplayName(request.unit()));
  // The unit itself when its parent expects its report (it has one and the
  // unit a target), then every expected unit beneath it, level by level.
  ASSIGN_OR_RETURN(auto parent, model_->UnitParent(code));
  ASSIGN_OR_RETURN(auto own_targets, model_->Targets(request.unit(), year));
  const bool self_expected = parent.has_value() && !parent->empty() && !own_targets.empty();
  std::vector<Pending> units;
  std::deque<Pending> queue = {{request.unit(), name, 0}};
  while (!queue.empty()) {
    Pending next = std::move(queue.front());
    queue.pop_front();
    ASSIGN_OR_RETURN(auto children, model_->ExpectedChildren(next.unit_key.substr(6), year));
    for (auto& child : children) {
      queue.push_back({child.key, child.display_name, next.depth + 1});
    }
    if (next.depth > 0 || self_expected) {
      units.push_back(std::move(next));
    }
  }
  struct Stored {
    std::vector<pb::Report> reports;
    std::optional<pb::ReportDeadline> deadline;
  };
  ASSIGN_OR_RETURN(auto stored,
                   InView<Stored>(store_, [&](ApprovalTx& tx) -> absl::StatusOr<Stored> {
                     Stored s;
                     ASSIGN_OR_RETURN(s.reports, tx.ReportsOfYear(year));
                     ASSIGN_OR_RETURN(s.deadline, tx.GetDeadline(year));
                     return s;
                   }));
  std::map<std::string, const pb::Report*> by_name;
  for (const auto& r : stored.reports) {
    by_name[r.name()] = &r;
  }
  pb::ReportingCompleteness out;
  out.set_unit(request.unit());
  out.set_year(year);
  const std::string today = FormatDate(today_());
  if (stored.deadline.has_value()) {
    out.set_due_date(stored.deadline->due_date());
  }
  std::map<int, std::pair<int, int>> levels;  // depth → (expected, submitted)
  for (const auto& u : units) {
    pb::UnitReportState* row = out.add_units();
    row->set_report(absl::StrCat(u.unit_key, "/reports/", year));
    row->set_unit(u.unit_key);
    row->set_display_name(u.display_name);
    row->set_depth(u.depth);
    row->set_state(pb::REPORT_STATE_OPEN);
    auto it = by_name.find(row->report());
    if (it != by_name.end()) {
      row->set_state(it->second->state());
      if (IsSubmitted(it->second->state())) {
        *row->mutable_submit_time() = it->second->submit_time();
      }
      if (it->second->has_approve_time() && it->second->state() != pb::REPORT_STATE_SUBMITTED &&
          it->second->state() != pb::REPORT_STATE_OPEN) {
        *row->mutable_approve_time() = it->second->approve_time();
      }
    }
    row->set_overdue(row->state() == pb::REPORT_STATE_OPEN && !out.due_date().empty() &&
                     today > out.due_date());
    auto& [expected, submitted] = levels[u.depth];
    ++expected;
    submitted += IsSubmitted(row->state()) ? 1 : 0;
  }
  for (const auto& [depth, counts] : levels) {
    pb::LevelRate* rate = out.add_rates();
    rate->set_depth(depth);
    rate->set_expected(counts.first);
    rate->set_submitted(counts.second);
    rate->set_rate(counts.first == 0 ? 0.0 : static_cast<double>(counts.second) / counts.first);
  }
  return out;
}

}  // namespace chitieu::reporting

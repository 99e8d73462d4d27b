// The reporting domain's figures: progress, summaries, coverage, candidates,
// rankings (reporting.h).

#include "services/reporting/reporting.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "libs/common/errors.h"
#include "libs/common/names.h"
#include "libs/common/page_token.h"
#include "libs/common/status_macros.h"
#include "services/reporting/report_documents.h"
#include "services/reporting/report_pdf.h"
#include "services/reporting/report_xlsx.h"

namespace chitieu::reporting {
namespace {

using ::chitieu::type::v1::Indicator;
using ::chitieu::type::v1::ProgressStatus;

constexpr Indicator kIndicators[] = {
    type::v1::INDICATOR_NEW_PARTY_ORGANIZATIONS, type::v1::INDICATOR_NEW_PARTY_MEMBERS,
    type::v1::INDICATOR_NEW_TRADE_UNIONS, type::v1::INDICATOR_NEW_YOUTH_UNIONS};

// The organization kind an indicator counts; 0 for admitted members.
int KindOf(Indicator indicator) {
  switch (indicator) {
    case type::v1::INDICATOR_NEW_PARTY_ORGANIZATIONS:
      return type::v1::ORGANIZATION_KIND_PARTY;
    case type::v1::INDICATOR_NEW_TRADE_UNIONS:
      return type::v1::ORGANIZATION_KIND_TRADE_UNION;
    case type::v1::INDICATOR_NEW_YOUTH_UNIONS:
      return type::v1::ORGANIZATION_KIND_YOUTH_UNION;
    default:
      return 0;
  }
}

}  // namespace

Indicator IndicatorOfKind(int kind) {
  switch (kind) {
    case type::v1::ORGANIZATION_KIND_PARTY:
      return type::v1::INDICATOR_NEW_PARTY_ORGANIZATIONS;
    case type::v1::ORGANIZATION_KIND_TRADE_UNION:
      return type::v1::INDICATOR_NEW_TRADE_UNIONS;
    case type::v1::ORGANIZATION_KIND_YOUTH_UNION:
      return type::v1::INDICATOR_NEW_YOUTH_UNIONS;
    default:
      return type::v1::INDICATOR_NEW_PARTY_MEMBERS;
  }
}

namespace {

int64_t AchievedFor(const Achieved& a, Indicator indicator) {
  if (indicator == type::v1::INDICATOR_NEW_PARTY_MEMBERS) {
    return a.party_members_admitted;
  }
  auto it = a.organizations_by_kind.find(KindOf(indicator));
  return it == a.organizations_by_kind.end() ? 0 : it->second;
}

ProgressStatus StatusOf(bool has_target, int64_t target, int64_t achieved) {
  if (!has_target) {
    return type::v1::PROGRESS_STATUS_NO_TARGET;
  }
  if (achieved < target) {
    return type::v1::PROGRESS_STATUS_NOT_MET;
  }
  if (achieved == target) {
    return type::v1::PROGRESS_STATUS_MET;
  }
  return type::v1::PROGRESS_STATUS_EXCEEDED;
}

void Fill(pb::IndicatorProgress& p, Indicator indicator, const CountsByIndicator& targets,
          int64_t achieved) {
  auto it = targets.find(indicator);
  const bool has_target = it != targets.end();
  const int64_t target = has_target ? it->second : 0;
  p.set_indicator(indicator);
  p.set_target(static_cast<int32_t>(target));
  p.set_achieved(static_cast<int32_t>(achieved));
  p.set_difference(static_cast<int32_t>(achieved - target));
  p.set_status(StatusOf(has_target, target, achieved));
  p.set_percent(has_target && target > 0 ? 100.0 * achieved / target : 0.0);
}

}  // namespace

absl::Status CheckReportYear(int year, const std::string& field) {
  if (year < 2000 || year > 2999) {
    return InvalidField(field, "must be a year from 2000");
  }
  return absl::OkStatus();
}

// Read before the figures it goes with: an apply writes rows and cursor in
// one transaction, so figures read after a cursor at n include 1 … n (they
// may include more). Read after, on PostgreSQL — where each statement of a
// read sees the latest commit — or beside replicas sharing the model, the
// lag could claim changes the figures do not hold yet.
absl::StatusOr<std::vector<pb::FeedLag>> Reporting::Lag() {
  std::vector<pb::FeedLag> out;
  for (const char* source : {kRegistrySource, kQuotaSource}) {
    ASSIGN_OR_RETURN(auto cursor, store_->GetCursor(source));
    pb::FeedLag lag;
    lag.set_source(source);
    lag.set_last_sequence(cursor.sequence);
    *lag.mutable_last_commit_time() = cursor.commit_time;
    lag.set_connected(health_ != nullptr && health_->connected(source));
    out.push_back(std::move(lag));
  }
  return out;
}

template <typename Build>
auto Reporting::WithLag(const Build& figures) -> decltype(figures()) {
  ASSIGN_OR_RETURN(auto lag, Lag());
  ASSIGN_OR_RETURN(auto out, figures());
  for (auto& l : lag) {
    *out.add_lag() = std::move(l);
  }
  return out;
}

absl::StatusOr<std::string> Reporting::CheckUnit(const std::string& name,
                                                 const std::string& field) {
  ASSIGN_OR_RETURN(auto code, ParseSingleName("units", name, field));
  ASSIGN_OR_RETURN(auto exists, store_->UnitExists(code));
  if (!exists) {
    return absl::NotFoundError(absl::StrCat(name, " is not in the read model"));
  }
  return code;
}

absl::StatusOr<std::map<std::string, Reporting::UnitFigures>> Reporting::ChildFigures(
    const std::string& unit_code, const std::vector<NamedKey>& children, int year) {
  std::vector<std::string> keys;
  for (const auto& child : children) {
    keys.push_back(child.key);
  }
  ASSIGN_OR_RETURN(auto targets, store_->TargetsOf(keys, year));
  ASSIGN_OR_RETURN(auto achieved, store_->AchievedInChildren(unit_code, year));
  std::map<std::string, UnitFigures> out;
  for (const auto& key : keys) {
    out[key] = {std::move(targets[key]), std::move(achieved[key.substr(6)])};
  }
  return out;
}

absl::StatusOr<pb::Progress> Reporting::Compute(const std::string& code, int year,
                                                bool breakdowns) {
  pb::Progress out;
  out.set_unit("units/" + code);
  out.set_year(year);
  ASSIGN_OR_RETURN(auto targets, store_->Targets("units/" + code, year));
  ASSIGN_OR_RETURN(auto achieved, store_->AchievedIn(code, year));
  for (Indicator indicator : kIndicators) {
    Fill(*out.add_indicators(), indicator, targets, AchievedFor(achieved, indicator));
  }
  if (!breakdowns) {
    return out;
  }

  ASSIGN_OR_RETURN(auto children, store_->Children(code));
  ASSIGN_OR_RETURN(auto figures, ChildFigures(code, children, year));
  for (const auto& child : children) {
    const auto& [child_targets, child_achieved] = figures[child.key];
    for (int i = 0; i < out.indicators_size(); ++i) {
      Indicator indicator = kIndicators[i];
      auto* b = out.mutable_indicators(i)->add_by_child_unit();
      b->set_key(child.key);
      b->set_display_name(child.display_name);
      auto t = child_targets.find(indicator);
      b->set_target(t == child_targets.end() ? 0 : static_cast<int32_t>(t->second));
      b->set_achieved(static_cast<int32_t>(AchievedFor(child_achieved, indicator)));
    }
  }
  ASSIGN_OR_RETURN(auto by_body, store_->AchievedByBody(code, year));
  std::vector<std::string> bodies;
  for (const auto& [body, unused] : by_body) {
    bodies.push_back(body);
  }
  ASSIGN_OR_RETURN(auto all_body_targets, store_->TargetsOf(bodies, year));
  for (const auto& [body, body_achieved] : by_body) {
    const CountsByIndicator* body_targets = &all_body_targets[body];
    ASSIGN_OR_RETURN(auto name, store_->DisplayName(body));
    for (int i = 0; i < out.indicators_size(); ++i) {
      Indicator indicator = kIndicators[i];
      if (KindOf(indicator) == 0) {
        continue;  // Admissions have no founding body.
      }
      const int64_t n = AchievedFor(body_achieved, indicator);
      auto t = body_targets->find(indicator);
      if (n == 0 && t == body_targets->end()) {
        continue;
      }
      auto* b = out.mutable_indicators(i)->add_by_body();
      b->set_key(body);
      b->set_display_name(name);
      b->set_target(t == body_targets->end() ? 0 : static_cast<int32_t>(t->second));
      b->set_achieved(static_cast<int32_t>(n));
    }
  }
  return out;
}

absl::StatusOr<pb::Progress> Reporting::GetProgress(const pb::GetProgressRequest& request) {
  ASSIGN_OR_RETURN(auto code, CheckUnit(request.unit(), "unit"));
  RETURN_IF_ERROR(CheckReportYear(request.year(), "year"));
  return WithLag([&] { return Compute(code, request.year(), true); });
}

absl::StatusOr<pb::EnterpriseStatusSummary> Reporting::GetEnterpriseStatusSummary(
    const pb::GetEnterpriseStatusSummaryRequest& request) {
  ASSIGN_OR_RETURN(auto code, CheckUnit(request.unit(), "unit"));
  std::string as_of = request.as_of().empty() ? FormatDate(today_()) : request.as_of();
  RETURN_IF_ERROR(ParseDate(as_of, "as_of"));
  return WithLag([&]() -> absl::StatusOr<pb::EnterpriseStatusSummary> {
    ASSIGN_OR_RETURN(auto counts, store_->StatusCounts(code, as_of));
    pb::EnterpriseStatusSummary out;
    out.set_unit(request.unit());
    out.set_as_of(as_of);
    int64_t total = 0;
    for (int status = type::v1::ENTERPRISE_STATUS_ACTIVE;
         status <= type::v1::ENTERPRISE_STATUS_BANKRUPT; ++status) {
      auto it = counts.find(status);
      const int64_t n = it == counts.end() ? 0 : it->second;
      auto* c = out.add_counts();
      c->set_status(static_cast<type::v1::EnterpriseStatus>(status));
      c->set_count(static_cast<int32_t>(n));
      total += n;
    }
    out.set_total(static_cast<int32_t>(total));
    return out;
  });
}

absl::StatusOr<pb::Coverage> Reporting::GetCoverage(const pb::GetCoverageRequest& request) {
  ASSIGN_OR_RETURN(auto code, CheckUnit(request.unit(), "unit"));
  std::string as_of = request.as_of().empty() ? FormatDate(today_()) : request.as_of();
  RETURN_IF_ERROR(ParseDate(as_of, "as_of"));
  return WithLag([&]() -> absl::StatusOr<pb::Coverage> {
    ASSIGN_OR_RETURN(auto coverage, store_->Coverage(code, as_of));
    pb::Coverage out;
    out.set_unit(request.unit());
    out.set_as_of(as_of);
    const int64_t active = coverage.active_enterprises;
    for (int kind = type::v1::ORGANIZATION_KIND_PARTY;
         kind <= type::v1::ORGANIZATION_KIND_YOUTH_UNION; ++kind) {
      auto it = coverage.with_organization.find(kind);
      const int64_t with = it == coverage.with_organization.end() ? 0 : it->second;
      auto* k = out.add_kinds();
      k->set_kind(static_cast<type::v1::OrganizationKind>(kind));
      k->set_with_organization(static_cast<int32_t>(with));
      k->set_active_enterprises(static_cast<int32_t>(active));
      k->set_ratio(active > 0 ? static_cast<double>(with) / active : 0.0);
    }
    return out;
  });
}

namespace {

template <typename Response>
void AddRefs(Response& response, std::vector<CandidateRow>& rows, const ListRequest& list,
             google::protobuf::RepeatedPtrField<pb::EnterpriseRef>* out) {
  if (static_cast<int>(rows.size()) > list.page_size) {
    rows.resize(list.page_size);
    response.set_next_page_token(EncodePageToken(rows.back().code, list.fingerprint));
  }
  for (auto& r : rows) {
    auto* ref = out->Add();
    ref->set_enterprise("enterprises/" + r.code);
    ref->set_display_name(r.display_name);
    ref->set_seat_unit(r.seat_unit);
    *ref->mutable_member_counts() = r.counts;
  }
}

}  // namespace

absl::StatusOr<pb::ListFoundingCandidatesResponse> Reporting::ListFoundingCandidates(
    const pb::ListFoundingCandidatesRequest& request) {
  ASSIGN_OR_RETURN(auto code, CheckUnit(request.unit(), "unit"));
  if (request.kind() == 0 || !type::v1::OrganizationKind_IsValid(request.kind())) {
    return InvalidField("kind", "must be one of the ORGANIZATION_KIND_ values");
  }
  const int year = request.year() == 0 ? today_().year() : request.year();
  RETURN_IF_ERROR(CheckReportYear(year, "year"));
  ASSIGN_OR_RETURN(auto list, ParseListRequest(request.page_size(), "", request.page_token(),
                                               absl::StrCat("candidates|", request.unit(), "|",
                                                            request.kind(), "|", year)));
  return WithLag([&]() -> absl::StatusOr<pb::ListFoundingCandidatesResponse> {
    ASSIGN_OR_RETURN(auto thresholds, store_->Thresholds(year));
    int threshold = 0;
    switch (request.kind()) {
      case type::v1::ORGANIZATION_KIND_PARTY:
        threshold = thresholds.has_value() ? thresholds->party_cell_official_members() : 3;
        break;
      case type::v1::ORGANIZATION_KIND_TRADE_UNION:
        threshold = thresholds.has_value() ? thresholds->trade_union_members() : 5;
        break;
      default:
        threshold = thresholds.has_value() ? thresholds->youth_branch_members() : 3;
    }
    ASSIGN_OR_RETURN(auto rows,
                     store_->Candidates(code, request.kind(), threshold, FormatDate(today_()),
                                        list.after, list.page_size + 1));
    pb::ListFoundingCandidatesResponse out;
    AddRefs(out, rows, list, out.mutable_candidates());
    out.set_threshold(threshold);
    return out;
  });
}

absl::StatusOr<pb::ListFosteringCasesResponse> Reporting::ListFosteringCases(
    const pb::ListFosteringCasesRequest& request) {
  ASSIGN_OR_RETURN(auto code, CheckUnit(request.unit(), "unit"));
  ASSIGN_OR_RETURN(auto list, ParseListRequest(request.page_size(), "", request.page_token(),
                                               absl::StrCat("fostering|", request.unit())));
  return WithLag([&]() -> absl::StatusOr<pb::ListFosteringCasesResponse> {
    ASSIGN_OR_RETURN(auto rows, store_->FosteringCases(code, FormatDate(today_()), list.after,
                                                       list.page_size + 1));
    pb::ListFosteringCasesResponse out;
    AddRefs(out, rows, list, out.mutable_cases());
    return out;
  });
}

absl::StatusOr<pb::CompareYearsResponse> Reporting::CompareYears(
    const pb::CompareYearsRequest& request) {
  ASSIGN_OR_RETURN(auto code, CheckUnit(request.unit(), "unit"));
  if (request.years_size() == 0 || request.years_size() > 30) {
    return InvalidField("years", "must list 1 to 30 years");
  }
  pb::CompareYearsResponse out;
  for (int i = 0; i < request.years_size(); ++i) {
    RETURN_IF_ERROR(CheckReportYear(request.years(i), absl::StrCat("years[", i, "]")));
    ASSIGN_OR_RETURN(auto p, Compute(code, request.years(i), true));
    *out.add_years() = std::move(p);
  }
  return out;
}

absl::StatusOr<pb::RankUnitsResponse> Reporting::RankUnits(const pb::RankUnitsRequest& request) {
  ASSIGN_OR_RETURN(auto code, CheckUnit(request.parent(), "parent"));
  RETURN_IF_ERROR(CheckReportYear(request.year(), "year"));
  if (request.indicator() == 0 || !type::v1::Indicator_IsValid(request.indicator())) {
    return InvalidField("indicator", "must be one of the INDICATOR_ values");
  }
  return WithLag([&]() -> absl::StatusOr<pb::RankUnitsResponse> {
    ASSIGN_OR_RETURN(auto children, store_->Children(code));
    ASSIGN_OR_RETURN(auto figures, ChildFigures(code, children, request.year()));
    std::vector<pb::RankedUnit> ranked;
    for (const auto& child : children) {
      const auto& [child_targets, child_achieved] = figures[child.key];
      {
        pb::IndicatorProgress ip;
        Fill(ip, request.indicator(), child_targets,
             AchievedFor(child_achieved, request.indicator()));
        pb::RankedUnit r;
        r.set_unit(child.key);
        r.set_display_name(child.display_name);
        r.set_target(ip.target());
        r.set_achieved(ip.achieved());
        r.set_difference(ip.difference());
        r.set_status(ip.status());
        r.set_percent(ip.percent());
        ranked.push_back(std::move(r));
      }
    }
    // Units with a target first, by percent; then by how much they exceed or
    // lag in absolute terms; units without a target last, by achieved.
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const pb::RankedUnit& a, const pb::RankedUnit& b) {
                       const bool at = a.status() != type::v1::PROGRESS_STATUS_NO_TARGET;
                       const bool bt = b.status() != type::v1::PROGRESS_STATUS_NO_TARGET;
                       if (at != bt) {
                         return at;
                       }
                       if (at && a.percent() != b.percent()) {
                         return a.percent() > b.percent();
                       }
                       if (a.difference() != b.difference()) {
                         return a.difference() > b.difference();
                       }
                       return a.achieved() > b.achieved();
                     });
    pb::RankUnitsResponse out;
    for (size_t i = 0; i < ranked.size(); ++i) {
      ranked[i].set_rank(static_cast<int32_t>(i + 1));
      *out.add_units() = std::move(ranked[i]);
    }
    return out;
  });
}

absl::StatusOr<Reporting::YearFigures> Reporting::FiguresOf(const std::string& unit, int year,
                                                            const pb::Report* approved) {
  YearFigures f;
  ASSIGN_OR_RETURN(f.code, CheckUnit(unit, "unit"));
  RETURN_IF_ERROR(CheckReportYear(year, "year"));
  ASSIGN_OR_RETURN(f.progress, Compute(f.code, year, true));
  if (approved != nullptr) {
    *f.progress.mutable_indicators() = approved->snapshot().indicators();
  }
  ASSIGN_OR_RETURN(f.unit_name, store_->DisplayName(unit));
  return f;
}

absl::StatusOr<std::vector<std::string>> Reporting::ExportReport(
    const pb::ExportReportRequest& request, const pb::Report* approved) {
  ASSIGN_OR_RETURN(auto f, FiguresOf(request.unit(), request.year(), approved));
  return ProgressCsv(request.unit(), f.unit_name, request.year(), f.progress);
}

absl::StatusOr<std::string> Reporting::ExportWorkbook(const pb::ExportReportRequest& request,
                                                      const pb::Report* approved) {
  ASSIGN_OR_RETURN(auto f, FiguresOf(request.unit(), request.year(), approved));
  ASSIGN_OR_RETURN(auto counts,
                   store_->StatusCounts(f.code, absl::StrFormat("%04d-12-31", request.year())));
  return ProgressWorkbook(request.unit(), f.unit_name, request.year(), f.progress, counts,
                          approved);
}

absl::StatusOr<YearEndContent> Reporting::YearEndOf(const std::string& unit, int year,
                                                    const pb::Report* approved) {
  ASSIGN_OR_RETURN(auto f, FiguresOf(unit, year, approved));
  ASSIGN_OR_RETURN(auto previous, Compute(f.code, year - 1, false));
  ASSIGN_OR_RETURN(auto counts, store_->StatusCounts(f.code, absl::StrFormat("%04d-12-31", year)));
  return YearEnd(f.unit_name, year, previous, f.progress, counts, approved);
}

absl::StatusOr<pb::YearEndReport> Reporting::GetYearEndReport(
    const pb::GetYearEndReportRequest& request, const pb::Report* approved) {
  ASSIGN_OR_RETURN(auto content, YearEndOf(request.unit(), request.year(), approved));
  pb::YearEndReport out;
  out.set_unit(request.unit());
  out.set_year(request.year());
  out.set_html(YearEndHtml(content));
  return out;
}

absl::StatusOr<std::string> Reporting::YearEndReportPdf(const std::string& unit, int year,
                                                        const pb::Report* approved) {
  ASSIGN_OR_RETURN(auto content, YearEndOf(unit, year, approved));
  return YearEndPdf(content);
}

namespace {
// "units/002" → "002"; "" if `name` is not in `collection`.
std::string CodeIn(absl::string_view collection, const std::string& name) {
  const std::string prefix = absl::StrCat(collection, "/");
  if (!absl::StartsWith(name, prefix) || name.size() == prefix.size()) {
    return "";
  }
  return name.substr(prefix.size());
}
}  // namespace

absl::StatusOr<std::string> ReportingDirectory::ParentOf(const std::string& unit) {
  const std::string code = CodeIn("units", unit);
  ASSIGN_OR_RETURN(auto parent, code.empty()
                                    ? absl::StatusOr<std::optional<std::string>>(std::nullopt)
                                    : store_->UnitParent(code));
  if (!parent) {
    return absl::NotFoundError(unit);
  }
  return parent->empty() ? std::string() : absl::StrCat("units/", *parent);
}

absl::StatusOr<std::vector<std::string>> ReportingDirectory::Roots() {
  ASSIGN_OR_RETURN(auto codes, store_->RootUnits());
  std::vector<std::string> out;
  for (const auto& code : codes) {
    out.push_back(absl::StrCat("units/", code));
  }
  return out;
}

absl::StatusOr<std::string> ReportingDirectory::SeatOf(const std::string& enterprise) {
  const std::string code = CodeIn("enterprises", enterprise);
  ASSIGN_OR_RETURN(auto seat, code.empty()
                                  ? absl::StatusOr<std::optional<std::string>>(std::nullopt)
                                  : store_->EnterpriseSeat(code));
  if (!seat) {
    return absl::NotFoundError(enterprise);
  }
  return absl::StrCat("units/", *seat);
}

absl::StatusOr<std::string> ReportingDirectory::UnitOfBody(const std::string& body) {
  return absl::NotFoundError(body);
}

absl::StatusOr<std::string> ReportingDirectory::AssignerOf(const std::string& target) {
  return absl::NotFoundError(target);
}

}  // namespace chitieu::reporting

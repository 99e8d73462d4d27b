#include "clients/cli/commands.h"

namespace chitieu::cli {
namespace {

constexpr char kRegistry[] = "chitieu.registry.v1.RegistryService/";
constexpr char kQuota[] = "chitieu.quota.v1.QuotaService/";
constexpr char kReporting[] = "chitieu.reporting.v1.ReportingService/";

std::string R(const char* m) { return std::string(kRegistry) + m; }
std::string Q(const char* m) { return std::string(kQuota) + m; }
std::string P(const char* m) { return std::string(kReporting) + m; }

FlagSpec Unit(const std::string& path, bool required = true) {
  return {"unit", path, "unit code or name (002 or units/002)", "units/", "", required};
}
FlagSpec Year(const std::string& path = "year") {
  return {"year", path, "year, e.g. 2013", "", "", true};
}
FlagSpec Page() { return {"page_size", "pageSize", "rows a page (default: the service's)"}; }
FlagSpec PageToken() { return {"page_token", "pageToken", "next_page_token of a previous page"}; }
FlagSpec RequestId() {
  return {"request_id", "requestId", "idempotency key: a retry with the same id is answered once"};
}
FlagSpec ReportName(const std::string& path = "name") {
  return {"name", path, "the report: units/{unit}/reports/{year}", "", "", true};
}
// Where a downloaded file goes (kind "file").
FlagSpec OutFile() {
  return {"out", "", "the file to write (-o; default: the name the gateway gives, here)",
          "",    "", false};
}
FlagSpec Etag() { return {"etag", "etag", "the report's current etag (refused if it moved)"}; }
// A report's transition: `method` of a report named by the positional
// argument, with a reason when `reason`.
CommandSpec Transition(const char* word, const char* method, const char* help, bool reason) {
  CommandSpec c{{"report", word}, P(method), help, {ReportName(), Etag(), RequestId()}, "name"};
  if (reason) {
    c.flags.push_back({"reason", "reason", "why (required)", "", "", true});
  }
  return c;
}

}  // namespace

const std::vector<CommandSpec>& Commands() {
  static const std::vector<CommandSpec> kCommands = {
      {{"units", "list"},
       R("ListUnits"),
       "List administrative units (filter e.g. 'parent = \"units/002\"').",
       {{"filter", "filter", "AIP-160 filter: parent, level"},
        {"open_on", "openOn", "only units open on this date (YYYY-MM-DD)"},
        Page(),
        PageToken()}},
      {{"units", "get"},
       R("GetUnit"),
       "Show one unit.",
       {{"name", "name", "unit", "units/", "", true}},
       "name"},
      {{"enterprises", "get"},
       R("GetEnterprise"),
       "Show one enterprise by tax code.",
       {{"code", "name", "tax code", "enterprises/", "", true}},
       "code"},
      {{"enterprises", "list"},
       R("ListEnterprises"),
       "List enterprises seated in a unit (and beneath it).",
       {Unit("", true),
        {"filter", "filter", "more filter terms, e.g. 'has_party_organization = false'"},
        {"as_of", "asOfDate", "statuses as of this date"},
        Page(),
        PageToken()},
       "",
       "",
       true},
      {{"enterprises", "create"},
       R("CreateEnterprise"),
       "Register an enterprise.",
       {{"code", "enterprise.enterpriseCode", "tax code (10 digits, or 13 for a branch)", "", "",
         true},
        {"name", "enterprise.displayName", "registered name", "", "", true},
        {"legal_form", "enterprise.legalForm", "e.g. JOINT_STOCK_COMPANY, SINGLE_MEMBER_LLC",
         "LEGAL_FORM_", "", true},
        {"sector", "enterprise.sector", "e.g. NON_STATE", "SECTOR_", "NON_STATE"},
        {"seat", "enterprise.seatUnit", "the unit of its seat", "units/", "", true},
        {"registered", "enterprise.registrationDate", "registration date YYYY-MM-DD", "", "", true},
        RequestId()}},
      {{"enterprises", "set-status"},
       R("ChangeEnterpriseStatus"),
       "Record a legal status from a date (append-only history).",
       {{"code", "name", "tax code", "enterprises/", "", true},
        {"status", "status",
         "ENTERPRISE_STATUS_… (ACTIVE, SUSPENDED, NOT_AT_ADDRESS, DISSOLVED, …)",
         "ENTERPRISE_STATUS_", "", true},
        {"effective", "effectiveDate", "YYYY-MM-DD", "", "", true},
        {"end", "endDate", "end of a suspension, YYYY-MM-DD"},
        {"source", "source", "who reports it", "", "cli"},
        {"reason", "reason", "why"},
        RequestId()},
       "code"},
      {{"enterprises", "import"},
       R("ImportEnterprises"),
       "Import enterprises from a CSV file with the header\n"
       "  enterprise_code,display_name,legal_form,sector,seat_unit,registration_date\n"
       "(rows are created, updated or left unchanged; bad rows are reported, not fatal).",
       {{"file", "", "the CSV file", "", "", true},
        {"source", "", "name of the source", "", "cli-import"}},
       "file",
       "import"},
      {{"organizations", "list"},
       R("ListOrganizations"),
       "List the organizations founded in an enterprise.",
       {{"enterprise", "parent", "tax code", "enterprises/", "", true}, Page(), PageToken()},
       "enterprise"},
      {{"organizations", "found"},
       R("CreateOrganization"),
       "Record the founding of a Party organization, trade union or youth union.",
       {{"enterprise", "parent", "tax code", "enterprises/", "", true},
        {"kind", "organization.kind", "PARTY, TRADE_UNION or YOUTH_UNION", "ORGANIZATION_KIND_", "",
         true},
        {"date", "organization.foundingDate", "founding date YYYY-MM-DD", "", "", true},
        {"decision", "organization.decisionNumber", "decision number", "", "", true},
        {"body", "organization.foundingBody", "founding body (bodies/…)", "bodies/", "", true},
        {"members", "organization.membersAtFounding", "members at founding"},
        RequestId()}},
      {{"admissions", "list"},
       R("ListAdmissions"),
       "List Party member admissions in an enterprise.",
       {{"enterprise", "parent", "tax code", "enterprises/", "", true}, Page(), PageToken()},
       "enterprise"},
      {{"admissions", "create"},
       R("CreateAdmission"),
       "Record Party members admitted in an enterprise.",
       {{"enterprise", "parent", "tax code", "enterprises/", "", true},
        {"date", "admission.admissionDate", "YYYY-MM-DD", "", "", true},
        {"count", "admission.count", "members admitted", "", "", true},
        {"decision", "admission.decisionNumber", "decision number", "", "", true},
        {"body", "admission.admittingBody", "admitting body (bodies/…)", "bodies/"},
        RequestId()}},
      {{"targets", "list"},
       Q("ListTargets"),
       "List the targets assigned to a unit.",
       {Unit("parent"), {"year", "year", "year"}, Page(), PageToken()}},
      {{"targets", "set"},
       Q("CreateTarget"),
       "Assign a target; assigning from a district to a ward sub-allocates the district's own.",
       {Unit("parent"),
        {"assigner", "target.assigner", "the assigning unit", "units/", "", true},
        {"assignee", "target.assignee", "units/… or bodies/… (default: --unit)"},
        {"indicator", "target.indicator",
         "NEW_PARTY_ORGANIZATIONS, NEW_TRADE_UNIONS, NEW_YOUTH_UNIONS, NEW_PARTY_MEMBERS",
         "INDICATOR_", "", true},
        Year("target.year"),
        {"value", "target.value", "the target", "", "", true},
        {"over_allocate", "allowOverAllocation", "allow the children's sum above the parent's"},
        RequestId()}},
      {{"targets", "revise"},
       Q("UpdateTarget"),
       "Change a target's value, with the reason (kept in its history).",
       {{"name", "target.name", "units/…/targets/…", "", "", true},
        {"value", "target.value", "new value", "", "", true},
        {"reason", "reason", "why (required)", "", "", true},
        {"update_mask", "updateMask", "", "", "value"},
        {"over_allocate", "allowOverAllocation", "allow the children's sum above the parent's"}},
       "name"},
      {{"targets", "history"},
       Q("ListTargetRevisions"),
       "Show a target's revisions.",
       {{"name", "parent", "units/…/targets/…", "", "", true}, Page(), PageToken()},
       "name"},
      {{"targets", "allocation"},
       Q("GetTargetAllocation"),
       "Show how a target is sub-allocated.",
       {{"name", "name", "units/…/targets/…", "", "", true}},
       "name"},
      {{"progress"},
       P("GetProgress"),
       "Targets against what was achieved, per indicator.",
       {Unit("unit"), Year()}},
      {{"summary"},
       P("GetEnterpriseStatusSummary"),
       "Enterprises per legal status on a date.",
       {Unit("unit"), {"as_of", "asOf", "YYYY-MM-DD (default today)"}}},
      {{"candidates"},
       P("ListFoundingCandidates"),
       "Enterprises that meet the founding threshold but have no organization of the kind.",
       {Unit("unit"),
        {"kind", "kind", "PARTY, TRADE_UNION or YOUTH_UNION", "ORGANIZATION_KIND_", "", true},
        {"year", "year", "thresholds of this year"},
        Page(),
        PageToken()}},
      {{"ranking"},
       P("RankUnits"),
       "Rank a unit's children on one indicator.",
       {{"parent", "parent", "the unit whose children are ranked", "units/", "", true},
        Year(),
        {"indicator", "indicator", "NEW_PARTY_ORGANIZATIONS, …", "INDICATOR_", "", true}}},
      {{"report", "year-end"},
       P("GetYearEndReport"),
       "The year-end report of a unit.",
       {Unit("unit"), Year()}},
      {{"export"},
       P("DownloadExport"),
       "Save a unit's year as a file: CSV (UTF-8 with a byte order mark) or an Excel workbook.",
       {Unit("unit"),
        Year(),
        {"format", "format", "the file's format: csv or xlsx", "EXPORT_FORMAT_", "csv", false},
        OutFile()},
       "",
       "file"},
      {{"report", "download"},
       P("DownloadYearEndReport"),
       "Save a unit's year-end report as a PDF to print, sign and file.",
       {Unit("unit"),
        Year(),
        {"format", "format", "the file's format: pdf", "YEAR_END_REPORT_FORMAT_", "pdf", false},
        OutFile()},
       "",
       "file"},
      {{"report", "export"},
       P("ExportReport"),
       "Export a unit's report as CSV lines.",
       {Unit("unit"), Year()},
       "",
       "stream"},
      {{"report", "get"},
       P("GetReport"),
       "A unit's report for a year: its state, the figures as submitted and the changes since.",
       {ReportName()},
       "name"},
      Transition("submit", "SubmitReport",
                 "Submit a unit's report (its figures are frozen with a content hash).", false),
      Transition("approve", "ApproveReport",
                 "Approve a submitted report of a unit below yours (its children approved first).",
                 false),
      Transition("return", "ReturnReport", "Send a submitted report back, with the reason.", true),
      Transition("accept", "AcceptReport", "Accept an approved report (the city).", false),
      Transition("reopen", "ReopenReport", "Reopen an approved report, with the reason.", true),
      {{"report", "history"},
       P("ListReportTransitions"),
       "Every transition of a report: who, when, from → to, why, the content hash.",
       {ReportName("parent")},
       "name"},
      {{"report", "approve-all"},
       P("BatchApproveReports"),
       "Approve every submitted report of a unit's children, with a result per unit.",
       {{"parent", "parent", "the unit whose children's reports are approved", "units/", "", true},
        Year(),
        RequestId()}},
      {{"report", "accept-all"},
       P("BatchAcceptReports"),
       "Accept every approved report of a unit's children (the city).",
       {{"parent", "parent", "the unit whose children's reports are accepted", "units/", "", true},
        Year(),
        RequestId()}},
      {{"report", "completeness"},
       P("GetReportingCompleteness"),
       "Every expected unit's report state, the overdue ones, the reporting rate per level.",
       {Unit("unit"), Year()}},
      {{"report", "deadline"},
       P("SetReportDeadline"),
       "Set the day a year's reports are due (the city).",
       {Year(), {"due", "dueDate", "YYYY-MM-DD", "", "", true}, RequestId()}},
  };
  return kCommands;
}

}  // namespace chitieu::cli

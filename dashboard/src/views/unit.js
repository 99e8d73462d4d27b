// A unit's page: the article's table for the chosen year, the year's
// report (state, figures as approved beside live ones, what changed, the
// transitions) and its units' completeness, year over year (the years with
// data), the breakdowns by supervising body and by subordinate unit, the
// enterprise status summary, and the candidate and fostering lists; the
// year's table and year-end report to download as CSV, Excel and PDF.
import { download, get } from "../api.js";
import { countBars, targetBars } from "../charts.js";
import { codeOf, errorBox, h, section, table } from "../dom.js";
import { INDICATORS, t, tEnum } from "../i18n.js";
import { dataYears, lagLine, searchYears, statusCell, yearPicker } from "./common.js";
import { completenessSection, reportSection } from "./report.js";

function progressTable(progress) {
  return table([t("indicator"), `${t("achieved")} / ${t("target")}`, t("difference"), t("status")],
    progress.indicators.map((ip) => [
      tEnum(ip.indicator),
      h("td.figures", { "data-testid": `progress-${ip.indicator}` }, `${ip.achieved} / ${ip.target}`),
      ip.difference > 0 ? `+${ip.difference}` : ip.difference,
      statusCell(ip.status)]),
    { "data-testid": "year-table" });
}

// The years with data only, newest first.
function yearOverYear(compare, shown) {
  return table([t("year"), ...INDICATORS.map(tEnum)],
    compare.years.filter((p) => shown.includes(p.year)).reverse().map((p) => [p.year, ...INDICATORS.map((ind) => {
      const ip = p.indicators.find((i) => i.indicator === ind);
      return ip ? `${ip.achieved} / ${ip.target}` : "";
    })]));
}

function byBody(progress) {
  const bodies = new Map();
  for (const ip of progress.indicators) {
    for (const b of ip.byBody) {
      if (!bodies.has(b.key)) bodies.set(b.key, { name: b.displayName, cells: {} });
      bodies.get(b.key).cells[ip.indicator] = `${b.achieved} / ${b.target}`;
    }
  }
  if (bodies.size === 0) return h("p", {}, t("none"));
  return table([t("body"), ...INDICATORS.map(tEnum)],
    [...bodies.values()].map((b) => [b.name, ...INDICATORS.map((i) => b.cells[i] || "0 / 0")]));
}

// The year as files: the table as CSV and as an Excel workbook, the
// year-end report as a PDF to print and sign.
function downloads(unit, year) {
  const problem = h("span", {});
  const button = (label, testid, path, format) => h("button", {
    type: "button",
    "data-testid": testid,
    onclick: async () => {
      problem.replaceChildren();
      try {
        await download(path, { year, format });
      } catch (e) {
        problem.replaceChildren(errorBox(e));
      }
    },
  }, label);
  return h("div.downloads", {},
    button(t("downloadCsv"), "download-csv", `/v1/${unit}:downloadExport`, "EXPORT_FORMAT_CSV"),
    button(t("downloadXlsx"), "download-xlsx", `/v1/${unit}:downloadExport`, "EXPORT_FORMAT_XLSX"),
    button(t("downloadPdf"), "download-pdf", `/v1/${unit}:downloadYearEndReport`,
      "YEAR_END_REPORT_FORMAT_PDF"),
    problem);
}

// A paged list of enterprises: `load(pageToken)` returns {rows, next}.
function pagedList(title, testid, load) {
  const body = h("div", {}, t("loading"));
  const tokens = [""];
  const show = async (index) => {
    try {
      const { rows, next } = await load(tokens[index]);
      tokens[index + 1] = next;
      body.replaceChildren(
        rows.length === 0 ? h("p", {}, t("none")) :
          table([t("enterprise"), t("unit"), t("members")], rows.map((r) => [
            r.displayName, codeOf(r.seatUnit || ""),
            `${r.memberCounts?.officialPartyMembers ?? 0} / ${r.memberCounts?.tradeUnionMembers ?? 0}` +
              ` / ${r.memberCounts?.youthUnionMembers ?? 0}`]), { "data-testid": testid }),
        h("div.pager", {},
          index > 0 ? h("button", { type: "button", onclick: () => show(0) }, t("first")) : null,
          next ? h("button", { type: "button", "data-testid": `${testid}-next`,
            onclick: () => show(index + 1) }, t("next")) : null));
    } catch (e) {
      body.replaceChildren(errorBox(e));
    }
  };
  show(0);
  return section(title, body);
}

export async function unitPage(root, { code, year, go }) {
  const unit = `units/${code}`;
  let info, progress, compare, summary, report, completeness;
  try {
    [info, progress, compare, summary, report, completeness] = await Promise.all([
      get(`/v1/${unit}`),
      get(`/v1/${unit}/progress`, { year }),
      get(`/v1/${unit}:compareYears`, { years: searchYears() }),
      get(`/v1/${unit}/enterpriseStatusSummary`),
      get(`/v1/${unit}/reports/${year}`),
      get(`/v1/${unit}/reportingCompleteness`, { year }),
    ]);
  } catch (e) {
    root.replaceChildren(errorBox(e));
    return;
  }
  const party = progress.indicators.find((i) => i.indicator === "INDICATOR_NEW_PARTY_ORGANIZATIONS");
  root.replaceChildren(
    h("div.heading", {},
      h("h1", { "data-testid": "unit-name" }, info.displayName, " — ", year),
      yearPicker(year, (y) => go({ year: y }), dataYears(compare, year)),
      h("a.button", { href: `#/units/${code}/register?year=${year}`, "data-testid": "register-link" },
        t("registerOrg")),
      h("a.button", { href: `#/units/${code}/targets?year=${year}` }, t("targets"))),
    lagLine(progress.lag),
    section(t("yearTable"), progressTable(progress), downloads(unit, year)),
    reportSection(report, progress, { onChanged: () => unitPage(root, { code, year, go }) }),
    (completeness.units || []).length > 1 ? completenessSection(completeness, year) : null,
    section(t("yearOverYear"), yearOverYear(compare, dataYears(compare, year))),
    section(t("byBody"), byBody(progress)),
    party && party.byChildUnit.length > 0 ? section(`${t("byChild")} · ${tEnum(party.indicator)}`,
      targetBars(party.byChildUnit.map((b) => ({ label: b.displayName, achieved: b.achieved,
        target: b.target })))) : null,
    section(`${t("statusSummary")} (${t("total")} ${summary.total})`,
      countBars(summary.counts.map((c) => ({ label: tEnum(c.status), count: c.count })))),
    pagedList(t("candidates"), "candidates", async (pageToken) => {
      const r = await get(`/v1/${unit}/foundingCandidates`,
        { kind: "ORGANIZATION_KIND_PARTY", pageSize: 10, pageToken });
      return { rows: r.candidates, next: r.nextPageToken };
    }),
    pagedList(t("fostering"), "fostering", async (pageToken) => {
      const r = await get(`/v1/${unit}/fosteringCases`, { pageSize: 10, pageToken });
      return { rows: r.cases, next: r.nextPageToken };
    }),
  );
}

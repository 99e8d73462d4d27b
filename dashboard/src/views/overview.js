// The city overview: the completeness of the year's reports, each
// district's progress per indicator as bars against its target, the
// ranking, and who is behind.
import { get } from "../api.js";
import { targetBars } from "../charts.js";
import { codeOf, errorBox, h, section, table } from "../dom.js";
import { INDICATORS, t, tEnum } from "../i18n.js";
import { dataYears, lagLine, searchYears, statusCell, yearPicker } from "./common.js";
import { completenessSection } from "./report.js";

export async function overview(root, { city, year, go }) {
  const [progress, ranking, compare, completeness] = await Promise.all([
    get(`/v1/${city}/progress`, { year }),
    get(`/v1/${city}:rankUnits`, { year, indicator: "INDICATOR_NEW_PARTY_ORGANIZATIONS" }),
    get(`/v1/${city}:compareYears`, { years: searchYears() }),
    get(`/v1/${city}/reportingCompleteness`, { year }),
  ]).catch((e) => {
    root.replaceChildren(errorBox(e));
    throw e;
  });
  const behind = ranking.units.filter((u) => u.status === "PROGRESS_STATUS_NOT_MET");
  root.replaceChildren(
    h("div.heading", {},
      h("h1", {}, t("overview"), " — ", year),
      yearPicker(year, (y) => go({ year: y }), dataYears(compare, year))),
    lagLine(progress.lag),
    completenessSection(completeness, year),
    section(t("behind"),
      behind.length === 0 ? h("p", {}, t("nobodyBehind")) :
        h("ul.behind", { "data-testid": "behind" }, behind.map((u) =>
          h("li", {}, h("a", { href: `#/units/${codeOf(u.unit)}?year=${year}` }, u.displayName),
            ` — ${u.achieved} / ${u.target}`)))),
    section(`${t("ranking")} · ${tEnum("INDICATOR_NEW_PARTY_ORGANIZATIONS")}`,
      table([t("rank"), t("unit"), t("target"), t("achieved"), t("difference"), t("status")],
        ranking.units.map((u) => [u.rank,
          h("a", { href: `#/units/${codeOf(u.unit)}?year=${year}` }, u.displayName),
          u.target, u.achieved, u.difference, statusCell(u.status)]),
        { "data-testid": "ranking" })),
    ...INDICATORS.map((indicator) => {
      const ip = progress.indicators.find((i) => i.indicator === indicator);
      if (!ip) return null;
      return section(`${t("progressByUnit")} · ${tEnum(indicator)}`,
        h("p", {}, `${t("achieved")} ${ip.achieved} / ${t("target")} ${ip.target} — `,
          statusCell(ip.status)),
        targetBars(ip.byChildUnit.map((b) => ({
          label: b.displayName, achieved: b.achieved, target: b.target }))));
    }),
  );
}

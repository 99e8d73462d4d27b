import { h } from "../dom.js";
import { language, t, tEnum } from "../i18n.js";

// The years a unit's figures are looked for in: the 30 years up to this
// one (CompareYears' limit), never before 2000 (the API's first year).
export function searchYears() {
  const out = [];
  const now = new Date().getFullYear();
  for (let y = Math.max(2000, now - 29); y <= now; ++y) out.push(y);
  return out;
}

// The years with data in a CompareYears answer (a target or a result in
// any indicator), newest first, with `year` (the one shown) among them.
export function dataYears(compare, year) {
  const found = new Set((compare?.years || [])
    .filter((p) => p.indicators.some((ip) => (ip.target || 0) > 0 || (ip.achieved || 0) > 0))
    .map((p) => p.year));
  found.add(year);
  return [...found].sort((a, b) => b - a);
}

export function yearPicker(year, onChange, years) {
  return h("label.year", {}, `${t("year")} `,
    h("select", { "data-testid": "year", onchange: (e) => onChange(Number(e.target.value)) },
      years.map((y) => h("option", { value: y, selected: y === year }, y))));
}

export function statusCell(status) {
  const cls = { PROGRESS_STATUS_NOT_MET: "bad", PROGRESS_STATUS_MET: "good",
    PROGRESS_STATUS_EXCEEDED: "good" }[status] || "";
  return h(`span.status${cls ? "." + cls : ""}`, {}, tEnum(status));
}

// How current the figures are: the last change applied from each feed.
export function lagLine(lag) {
  if (!lag || lag.length === 0) return null;
  const times = lag.map((l) => l.lastCommitTime).filter(Boolean).sort();
  if (times.length === 0) return null;
  const locale = language() === "vi" ? "vi-VN" : "en-GB";
  return h("p.lag", {}, `${t("lag")} ${new Date(times[0]).toLocaleString(locale)}`);
}

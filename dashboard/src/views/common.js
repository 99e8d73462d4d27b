import { h } from "../dom.js";
import { language, t, tEnum } from "../i18n.js";

const FIRST_YEAR = 2013;  // Resolution 09's first year of targets.

export function years() {
  const out = [];
  for (let y = new Date().getFullYear(); y >= FIRST_YEAR; --y) out.push(y);
  return out;
}

export function yearPicker(year, onChange) {
  return h("label.year", {}, `${t("year")} `,
    h("select", { "data-testid": "year", onchange: (e) => onChange(Number(e.target.value)) },
      years().map((y) => h("option", { value: y, selected: y === year }, y))));
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

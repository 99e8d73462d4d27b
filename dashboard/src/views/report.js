// A unit's report for the year (docs/APPROVALS.md): its state with who and
// when, the figures as submitted beside the live ones, what changed since,
// and the transitions the signed-in officer may try (the API decides who
// may; a refusal shows its reason). And the completeness of a unit's
// reports: every expected unit's state, the overdue ones, the rate per level.
import { post } from "../api.js";
import { codeOf, errorBox, h, section, table } from "../dom.js";
import { INDICATORS, language, t, tEnum } from "../i18n.js";

function when(timestamp) {
  if (!timestamp) return "";
  return new Date(timestamp).toLocaleString(language() === "vi" ? "vi-VN" : "en-GB");
}

const STATE_CLASS = { REPORT_STATE_APPROVED: "good", REPORT_STATE_ACCEPTED: "good",
  REPORT_STATE_SUBMITTED: "", REPORT_STATE_OPEN: "bad" };

export function stateBadge(state, attrs = {}) {
  const cls = STATE_CLASS[state] || "";
  return h(`span.status${cls ? "." + cls : ""}`, attrs, tEnum(state || "REPORT_STATE_OPEN"));
}

// "+1 Tổ chức Đảng mới (enterprises/…, ghi nhận lúc … bởi …)", one line per record.
function changeLines(changes) {
  const lines = [];
  for (const c of changes) {
    for (const a of c.added || []) {
      lines.push(`+${a.count} ${tEnum(c.indicator)} (${a.name}, ${t("recordedOn")} ${when(a.recordTime)}` +
        `${a.recordedBy ? ` ${t("by")} ${a.recordedBy}` : ""})`);
    }
    for (const r of c.removed || []) lines.push(`−${r.count} ${tEnum(c.indicator)} (${r.name})`);
    if ((c.submittedTarget || 0) !== (c.liveTarget || 0)) {
      lines.push(`${tEnum(c.indicator)}: ${t("target")} ${c.submittedTarget || 0} → ${c.liveTarget || 0}`);
    }
  }
  return lines;
}

// Submitted figures beside live ones, per indicator.
function figuresTable(report, progress) {
  const live = new Map(progress.indicators.map((ip) => [ip.indicator, ip]));
  const frozen = new Map((report.snapshot?.indicators || []).map((ip) => [ip.indicator, ip]));
  return table([t("indicator"), t("asSubmitted"), t("live"), t("change")],
    INDICATORS.map((ind) => {
      const f = frozen.get(ind) || { achieved: 0, target: 0 };
      const l = live.get(ind) || { achieved: 0, target: 0 };
      const delta = (l.achieved || 0) - (f.achieved || 0);
      return [tEnum(ind),
        h("td.figures", { "data-testid": `approved-${ind}` }, `${f.achieved || 0} / ${f.target || 0}`),
        h("td.figures", {}, `${l.achieved || 0} / ${l.target || 0}`),
        h("td", { "data-testid": `delta-${ind}` }, delta > 0 ? `+${delta}` : String(delta))];
    }), { "data-testid": "report-figures" });
}

export function reportSection(report, progress, { onChanged }) {
  const s = report.state || "REPORT_STATE_OPEN";
  const rows = [[t("state"), stateBadge(s, { "data-testid": "report-state" })]];
  if (report.submittedBy) rows.push([t("submittedBy"), `${report.submittedBy} — ${when(report.submitTime)}`]);
  if (report.approvedBy && s !== "REPORT_STATE_SUBMITTED" && s !== "REPORT_STATE_OPEN") {
    rows.push([t("approvedBy"), `${report.approvedBy} — ${when(report.approveTime)}`]);
  }
  if (report.acceptedBy && s === "REPORT_STATE_ACCEPTED") {
    rows.push([t("acceptedBy"), `${report.acceptedBy} — ${when(report.acceptTime)}`]);
  }
  if (report.reason) rows.push([t("reason"), report.reason]);
  if (report.dueDate) {
    rows.push([t("dueDate"), h(report.overdue ? "span.status.bad" : "span", {}, report.dueDate,
      report.overdue ? ` — ${t("overdue")}` : "")]);
  }
  if (report.snapshot?.contentHash && s !== "REPORT_STATE_OPEN") {
    rows.push([t("contentHash"), h("code", { "data-testid": "report-hash" }, report.snapshot.contentHash)]);
  }
  const info = table([t("field"), t("value")], rows);
  const changes = s === "REPORT_STATE_OPEN" ? [] : changeLines(report.changesSinceSubmission || []);
  const reason = h("input", { type: "text", size: 50, "data-testid": "report-reason",
    "aria-label": t("reason") });
  const status = h("div.form-status", { role: "status" });
  const act = (verb) => async () => {
    try {
      await post(`/v1/${report.name}:${verb}`,
        verb === "return" || verb === "reopen" ? { reason: reason.value, etag: report.etag }
          : { etag: report.etag });
      onChanged();
    } catch (e) {
      status.replaceChildren(errorBox(e));
    }
  };
  const button = (verb) => h("button", { type: "button", "data-testid": `report-${verb}`,
    onclick: act(verb) }, t(`act_${verb}`));
  const actions = {
    REPORT_STATE_OPEN: ["submit"],
    REPORT_STATE_SUBMITTED: ["approve", "return"],
    REPORT_STATE_APPROVED: ["accept", "reopen"],
    REPORT_STATE_ACCEPTED: ["reopen"],
  }[s] || [];
  return section(`${t("report")} ${report.name.slice(report.name.lastIndexOf("/") + 1)}`,
    info,
    s === "REPORT_STATE_OPEN" ? null : figuresTable(report, progress),
    changes.length === 0 ? null : h("div.delta", { "data-testid": "report-delta" },
      h("p", {}, h("strong", {}, t("sinceSubmission"))),
      h("ul", {}, changes.map((line) => h("li", {}, line)))),
    h("div.actions", {},
      actions.some((v) => v === "return" || v === "reopen") ?
        h("label", {}, `${t("reason")} `, reason) : null,
      actions.map(button)),
    status);
}

export function completenessSection(view, year) {
  return section(`${t("completeness")} ${year}` + (view.dueDate ? ` · ${t("dueDate")} ${view.dueDate}` : ""),
    table([t("level"), t("expected"), t("submitted"), t("rate")],
      (view.rates || []).map((r) => [t(`depth_${Math.min(r.depth || 0, 3)}`), r.expected || 0, r.submitted || 0,
        `${Math.round(100 * (r.rate || 0))}%`]), { "data-testid": "reporting-rates" }),
    table([t("unit"), t("state"), t("submitted"), t("approvedBy")],
      (view.units || []).map((u) => [
        h("a", { href: `#/units/${codeOf(u.unit)}?year=${year}` }, u.displayName),
        h("span", {}, stateBadge(u.state), u.overdue ? h("span.status.bad", {}, ` ${t("overdue")}`) : null),
        when(u.submitTime), when(u.approveTime)]),
      { "data-testid": "completeness" }));
}

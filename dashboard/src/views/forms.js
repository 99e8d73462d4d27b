// Forms that write through the API: register an organization, set or
// revise a target. The API's field violations are shown beside the fields
// they name (inputs carry the proto field path in data-field).
import { get, patch, post } from "../api.js";
import { codeOf, errorBox, h, section, table } from "../dom.js";
import { INDICATORS, KINDS, t, tEnum } from "../i18n.js";

function field(label, path, input) {
  input.setAttribute("data-field", path);
  input.setAttribute("name", path);
  return h("label.field", {}, h("span", {}, label), input,
    h("small.violation", { "data-violation": path, hidden: true }));
}

// Shows `error`'s field violations beside their fields, or the message on
// top; clears earlier ones.
function showErrors(form, error) {
  const status = form.querySelector(".form-status");
  for (const v of form.querySelectorAll("[data-violation]")) {
    v.hidden = true;
    v.textContent = "";
  }
  for (const i of form.querySelectorAll("[data-field]")) i.removeAttribute("aria-invalid");
  if (!error) {
    status.replaceChildren();
    return;
  }
  let placed = 0;
  for (const [path, description] of Object.entries(error.violations || {})) {
    // The most specific field shown that the violation's path starts with.
    const target = [...form.querySelectorAll("[data-violation]")]
      .filter((v) => path === v.dataset.violation || path.startsWith(v.dataset.violation + "."))
      .sort((a, b) => b.dataset.violation.length - a.dataset.violation.length)[0];
    if (!target) continue;
    target.hidden = false;
    target.textContent = description;
    form.querySelector(`[data-field="${target.dataset.violation}"]`)?.setAttribute("aria-invalid", "true");
    ++placed;
  }
  status.replaceChildren(errorBox(placed > 0 ? { message: t("fixFields") } : error));
}

function formShell(title, testid, fields, onSubmit) {
  const form = h("form.card", { "data-testid": testid, novalidate: true },
    h("h2", {}, title), ...fields,
    h("div.form-status", { role: "status" }),
    h("button", { type: "submit" }, t("save")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      await onSubmit(form);
      showErrors(form, null);
      form.querySelector(".form-status").replaceChildren(h("p.ok", {}, t("saved")));
    } catch (error) {
      showErrors(form, error);
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

export async function registerForm(root, { code, year, go }) {
  const unit = `units/${code}`;
  let bodies, info;
  try {
    [bodies, info] = await Promise.all([get("/v1/bodies", { pageSize: 1000 }), get(`/v1/${unit}`)]);
  } catch (e) {
    root.replaceChildren(errorBox(e));
    return;
  }
  const enterprise = h("select", { "data-testid": "enterprise" });
  const kind = h("select", { "data-testid": "kind" },
    KINDS.map((k) => h("option", { value: k }, tEnum(k))));
  const loadEnterprises = async () => {
    const without = { ORGANIZATION_KIND_PARTY: "has_party_organization",
      ORGANIZATION_KIND_TRADE_UNION: "has_trade_union",
      ORGANIZATION_KIND_YOUTH_UNION: "has_youth_union" }[kind.value];
    const list = await get("/v1/enterprises",
      { filter: `unit = "${unit}" AND ${without} = false`, pageSize: 200 });
    enterprise.replaceChildren(...list.enterprises.map((e) =>
      h("option", { value: e.name }, `${e.displayName} (${e.enterpriseCode})`)));
  };
  kind.addEventListener("change", () => loadEnterprises().catch(() => {}));
  await loadEnterprises().catch((e) => root.append(errorBox(e)));
  const date = h("input", { type: "date", "data-testid": "founding-date", value: `${year}-06-30` });
  const decision = h("input", { type: "text", "data-testid": "decision" });
  const body = h("select", { "data-testid": "body" },
    bodies.bodies.map((b) => h("option", { value: b.name }, b.displayName)));
  const members = h("input", { type: "number", min: 0, value: 3, "data-testid": "members" });
  // One request id per filled-in form: a retried submit is not a second
  // organization.
  let requestId = crypto.randomUUID();
  const form = formShell(`${t("registerOrg")} — ${info.displayName}`, "register-form", [
    field(t("enterprise"), "parent", enterprise),
    field(t("kind"), "organization.kind", kind),
    field(t("foundingDate"), "organization.founding_date", date),
    field(t("decision"), "organization.decision_number", decision),
    field(t("body"), "organization.founding_body", body),
    field(t("membersAtFounding"), "organization.members_at_founding", members),
  ], async () => {
    await post(`/v1/${enterprise.value}/organizations`, {
      kind: kind.value,
      foundingDate: date.value,
      decisionNumber: decision.value,
      foundingBody: body.value,
      membersAtFounding: Number(members.value || 0),
    }, { requestId });
    requestId = crypto.randomUUID();
    go({ path: `/units/${code}`, year: Number(date.value.slice(0, 4)) || year });
  });
  for (const input of form.querySelectorAll("input, select")) {
    input.addEventListener("input", () => { requestId = crypto.randomUUID(); });
  }
  root.replaceChildren(h("p", {}, h("a", { href: `#/units/${code}?year=${year}` }, "← ", info.displayName)),
    form);
}

export async function targetsPage(root, { code, year }) {
  const unit = `units/${code}`;
  let info, list;
  const load = async () => {
    [info, list] = await Promise.all([get(`/v1/${unit}`), get(`/v1/${unit}/targets`, { year })]);
  };
  try {
    await load();
  } catch (e) {
    root.replaceChildren(errorBox(e));
    return;
  }
  const render = () => {
    const indicator = h("select", {}, INDICATORS.map((i) => h("option", { value: i }, tEnum(i))));
    const value = h("input", { type: "number", min: 0, "data-testid": "target-value" });
    const assigner = h("input", { type: "text", value: info.parent || unit, "data-testid": "assigner" });
    const setForm = formShell(t("setTarget"), "set-target", [
      field(t("indicator"), "target.indicator", indicator),
      field(t("value"), "target.value", value),
      field(t("assigner"), "target.assigner", assigner),
    ], async () => {
      await post(`/v1/${unit}/targets`, { year, indicator: indicator.value, value: Number(value.value),
        assigner: assigner.value, assignee: unit });
      await load();
      render();
    });
    const which = h("select", { "data-testid": "revise-which" }, list.targets.map((tg) =>
      h("option", { value: tg.name }, `${tEnum(tg.indicator)} ${tg.year}: ${tg.value}`)));
    const newValue = h("input", { type: "number", min: 0, "data-testid": "revise-value" });
    const reason = h("input", { type: "text", "data-testid": "revise-reason" });
    const reviseForm = formShell(t("reviseTarget"), "revise-target", [
      field(t("targets"), "target.name", which),
      field(t("newValue"), "target.value", newValue),
      field(t("reason"), "reason", reason),
    ], async () => {
      await patch(`/v1/${which.value}`, { value: Number(newValue.value) },
        { updateMask: "value", reason: reason.value });
      await load();
      render();
    });
    root.replaceChildren(
      h("p", {}, h("a", { href: `#/units/${code}?year=${year}` }, "← ", info.displayName)),
      section(`${t("targets")} — ${info.displayName} — ${year}`,
        table([t("indicator"), t("value"), t("assigner"), t("unit")],
          list.targets.map((tg) => [tEnum(tg.indicator), tg.value, codeOf(tg.assigner),
            codeOf(tg.assignee)]), { "data-testid": "targets" })),
      setForm, list.targets.length > 0 ? reviseForm : null);
  };
  render();
}

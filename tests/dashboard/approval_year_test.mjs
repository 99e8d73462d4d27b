// A whole year's reports in a real browser, ward to city (docs/APPROVALS.md):
// playwright-core drives Debian's chromium headless against a stack that
// tests/dashboard_e2e_test.cc started.
//   node approval_year_test.mjs URL DASHBOARD_DIR SCREENSHOT_DIR CITY DISTRICT WARD_A WARD_B
// (the last four: API keys of the city admin, Hoàn Kiếm's officer and the
// officers of wards 00037 and 00040). 2014 is a year the seed leaves open:
// its targets and organizations are recorded first, through the API; then
// each ward submits, the district approves both and submits, the city
// approves and accepts, a late organization shows as a change beside the
// approved figures, the city reopens (a reason required) and the district's
// resubmission clears the change. Exits non-zero on the first failure.
import { launch } from "./harness.mjs";

const [url, dashboardDir, shots, city, district, wardA, wardB] = process.argv.slice(2);

const YEAR = 2014;
const PARTY = "INDICATOR_NEW_PARTY_ORGANIZATIONS";

async function call(key, method, path, body) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

// Founds a Party organization in an active enterprise of `ward` without one.
async function found(key, ward, date, skip = []) {
  const list = await call(key, "GET", "/v1/enterprises?" + new URLSearchParams({
    filter: `unit = "units/${ward}" AND status = ENTERPRISE_STATUS_ACTIVE AND ` +
      "has_party_organization = false",
    pageSize: "50",
  }));
  const e = list.enterprises.find((x) => x.registrationDate < date && !skip.includes(x.name));
  if (!e) throw new Error(`no enterprise in ${ward} to found an organization in`);
  const org = await call(key, "POST", `/v1/${e.name}/organizations`, {
    kind: "ORGANIZATION_KIND_PARTY", foundingDate: date, decisionNumber: "14-QĐ/ĐU",
    foundingBody: `bodies/hk-ward-party-${ward}`,
  });
  return { enterprise: e.name, organization: org.name };
}

const { page, problems, step, shot, finish } = await launch(dashboardDir, shots);
try {
  step("2014's targets and organizations, recorded through the API");
  await call(city, "POST", "/v1/units/01/targets:set", {
    assigner: "units/01", year: YEAR, requestId: "browser-2014-district",
    targets: [{ indicator: PARTY, assignee: "units/002", value: 2 }],
  });
  await call(district, "POST", "/v1/units/002/targets:set", {
    assigner: "units/002", year: YEAR, requestId: "browser-2014-wards",
    targets: [{ indicator: PARTY, assignee: "units/00037", value: 1 },
      { indicator: PARTY, assignee: "units/00040", value: 1 }],
  });
  await found(wardA, "00037", "2014-05-12");
  const second = await found(wardB, "00040", "2014-06-20");

  const signIn = async (key) => {
    await page.goto(url);
    await page.evaluate(() => sessionStorage.clear());
    await page.goto(`${url}/#/?year=${YEAR}`);
    await page.getByTestId("credential").fill(key);
    await page.getByRole("button", { name: "Đăng nhập" }).click();
    // A ward's officer may not read the city's overview: wait for the form
    // to go, not for the overview.
    await page.getByTestId("signin").waitFor({ state: "detached", timeout: 15000 });
  };
  // Opens a unit's page for the year; waits until the read model shows
  // `figure` for the Party organizations (it follows the feeds).
  const open = async (code, figure) => {
    for (let i = 0; i < 50; ++i) {
      await page.goto(`${url}/#/units/${code}?year=${YEAR}`);
      if (i > 0) await page.reload();
      const shown = await page.getByTestId(`progress-${PARTY}`).first()
        .textContent({ timeout: 10000 });
      if (!figure || shown.trim() === figure) return;
    }
    throw new Error(`units/${code} never showed ${figure}`);
  };
  const state = () => page.getByTestId("report-state").textContent({ timeout: 10000 });
  const act = async (verb, expected) => {
    await page.getByTestId(`report-${verb}`).click();
    await page.getByTestId("report-state").filter({ hasText: expected })
      .waitFor({ timeout: 10000 });
  };

  step("each ward submits its report");
  await signIn(wardA);
  await open("00037", "1 / 1");
  if ((await state()).trim() !== "Chưa gửi") throw new Error(`ward 00037 starts "${await state()}"`);
  await act("submit", "Đã gửi");
  await shot("a1-ward-submitted");
  await signIn(wardB);
  await open("00040", "1 / 1");
  await act("submit", "Đã gửi");

  step("the district approves both wards, then submits");
  await signIn(district);
  await open("002", "2 / 2");
  await page.getByTestId("completeness").waitFor({ timeout: 10000 });
  await shot("a2-district-completeness");
  for (const ward of ["00037", "00040"]) {
    await open(ward);
    await act("approve", "Đã phê duyệt");
  }
  await open("002", "2 / 2");
  await act("submit", "Đã gửi");

  step("the city approves and accepts");
  await signIn(city);
  await page.getByTestId("completeness").waitFor({ timeout: 10000 });
  await open("002", "2 / 2");
  await act("approve", "Đã phê duyệt");
  await act("accept", "Thành phố đã tiếp nhận");
  const hash = await page.getByTestId("report-hash").textContent();
  if (!hash.startsWith("sha256:")) throw new Error(`the content hash shows "${hash}"`);
  await shot("a3-district-accepted");

  step("a late organization shows beside the approved figures");
  const late = await found(wardB, "00040", "2014-11-20", [second.enterprise]);
  await open("002", "3 / 2");
  const approved = await page.getByTestId(`approved-${PARTY}`).textContent();
  if (approved.trim() !== "2 / 2") throw new Error(`approved shows "${approved}", not "2 / 2"`);
  const delta = await page.getByTestId(`delta-${PARTY}`).textContent();
  if (delta.trim() !== "+1") throw new Error(`the change shows "${delta}", not "+1"`);
  const lines = await page.getByTestId("report-delta").textContent();
  if (!lines.includes(late.organization)) throw new Error(`the change list lacks ${late.organization}`);
  await shot("a4-late-change");

  step("the city reopens: a reason is required");
  await page.getByTestId("report-reopen").click();
  await page.getByRole("alert").filter({ hasText: "reason" }).waitFor({ timeout: 10000 });
  await page.getByTestId("report-reason").fill("Bổ sung tổ chức đảng ghi nhận muộn");
  await act("reopen", "Chưa gửi");

  step("the district resubmits: the change is in the figures now");
  await signIn(district);
  await open("002", "3 / 2");
  await act("submit", "Đã gửi");
  const resubmitted = await page.getByTestId(`approved-${PARTY}`).textContent();
  if (resubmitted.trim() !== "3 / 2") throw new Error(`resubmitted shows "${resubmitted}"`);
  if (await page.getByTestId("report-delta").count() !== 0) throw new Error("a change remains");
  await shot("a5-resubmitted");
} catch (e) {
  problems.push(e.message);
}
await finish("dashboard approval year test: passed");

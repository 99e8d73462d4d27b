// The dashboard in a real browser: playwright-core drives Debian's chromium
// headless against a stack that tests/dashboard_e2e_test.cc started.
//   node browser_test.mjs URL API_KEY DASHBOARD_DIR SCREENSHOT_DIR
// Signs in, sees the city's 2013 ranking and Hoàn Kiếm's 2013 "7 / 6", pages
// the candidates, submits a founding with a bad date (the violation shows
// beside the field), registers an organization, sees live "8 / 6" beside
// the approved "7 / 6" (the seed approves 2013) and "+1", sets a 2014
// target and revises it (first without a reason: refused beside the field),
// downloads the year as CSV, Excel and PDF (the figures as approved, read
// back), switches to English. Exits non-zero on the first failure;
// screenshots of each step go to SCREENSHOT_DIR.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { launch } from "./harness.mjs";

const [url, key, dashboardDir, shots] = process.argv.slice(2);
const { page, problems, step, shot, finish } = await launch(dashboardDir, shots);
try {
  const textOf = (testid) => page.getByTestId(testid).first().textContent({ timeout: 10000 });

  step("sign in");
  await page.goto(url);
  await page.getByTestId("credential").fill(key);
  await shot("01-sign-in");
  await page.getByRole("button", { name: "Đăng nhập" }).click();
  await page.getByTestId("ranking").waitFor({ timeout: 15000 });
  await page.goto(`${url}/#/?year=2013`);
  await page.getByTestId("ranking").getByText("Quận Hoàn Kiếm").waitFor({ timeout: 10000 });
  await shot("02-city-overview-2013");

  step("Hoàn Kiếm 2013 shows 7 / 6");
  await page.goto(`${url}/#/units/002?year=2013`);
  const before = await textOf("progress-INDICATOR_NEW_PARTY_ORGANIZATIONS");
  if (before.trim() !== "7 / 6") throw new Error(`Hoàn Kiếm 2013 shows "${before}", not "7 / 6"`);
  await shot("03-hoan-kiem-2013");

  step("the candidate list pages");
  // Locators, not waitForFunction: the page's Content-Security-Policy
  // forbids the eval that function polling needs, as it should.
  const firstRow = page.getByTestId("candidates").locator("tbody tr").first();
  const page1 = await firstRow.textContent();
  await page.getByTestId("candidates-next").click();
  await firstRow.filter({ hasNotText: page1 }).waitFor({ timeout: 10000 });

  // An enterprise of Hoàn Kiếm with no Party organization, registered before
  // the founding date, asked of the API as the dashboard's user would.
  const list = await (await fetch(`${url}/v1/enterprises?` + new URLSearchParams({
    filter: 'unit = "units/002" AND status = ENTERPRISE_STATUS_ACTIVE AND ' +
      "has_party_organization = false",
    pageSize: "200",
  }), { headers: { Authorization: `Bearer ${key}` } })).json();
  const chosen = list.enterprises.find((e) => e.registrationDate <= "2013-06-01");
  if (!chosen) throw new Error("no enterprise of Hoàn Kiếm to found an organization in");

  step("a bad founding date is shown beside its field");
  await page.getByTestId("register-link").click();
  await page.getByTestId("register-form").waitFor();
  await page.getByTestId("enterprise").selectOption(chosen.name);
  await page.getByTestId("founding-date").fill("2099-01-01");
  await page.getByTestId("decision").fill("125-QĐ/ĐU");
  await page.getByRole("button", { name: "Lưu" }).click();
  const violation = page.locator('[data-violation="organization.founding_date"]');
  await violation.waitFor({ state: "visible", timeout: 10000 });
  if (!(await violation.textContent())) throw new Error("the founding date's violation is empty");
  await shot("04-field-violation");

  step("register an organization; live 7 / 6 becomes 8 / 6 beside approved 7 / 6, +1");
  await page.getByTestId("founding-date").fill("2013-06-01");
  await page.getByRole("button", { name: "Lưu" }).click();
  await page.waitForURL(/#\/units\/002\?year=2013$/, { timeout: 10000 });
  let after = "";
  for (let i = 0; i < 50 && after.trim() !== "8 / 6"; ++i) {
    // The read model follows the registry's feed: a reload shows it once
    // applied (usually at once).
    if (i > 0) await page.reload();
    after = await textOf("progress-INDICATOR_NEW_PARTY_ORGANIZATIONS");
  }
  if (after.trim() !== "8 / 6") throw new Error(`after the founding it shows "${after}"`);
  // 2013 is approved (the seed): its figures as approved stay, the change shows.
  const approved = await textOf("approved-INDICATOR_NEW_PARTY_ORGANIZATIONS");
  if (approved.trim() !== "7 / 6") throw new Error(`approved 2013 shows "${approved}", not "7 / 6"`);
  const delta = await textOf("delta-INDICATOR_NEW_PARTY_ORGANIZATIONS");
  if (delta.trim() !== "+1") throw new Error(`the change shows "${delta}", not "+1"`);
  await page.getByTestId("report-delta").waitFor({ timeout: 10000 });
  await shot("05-hoan-kiem-2013-after");

  step("the year as CSV, Excel and PDF, of the figures as approved");
  const save = async (testid) => {
    const [file] = await Promise.all([page.waitForEvent("download", { timeout: 15000 }),
      page.getByTestId(testid).click()]);
    return { name: file.suggestedFilename(), bytes: readFileSync(await file.path()) };
  };
  const csv = await save("download-csv");
  if (csv.name !== "chi-tieu-002-2013.csv") throw new Error(`the CSV is named "${csv.name}"`);
  const csvText = csv.bytes.toString("utf8");
  if (!csvText.startsWith("\uFEFF") ||
      !csvText.includes("unit,units/002,Quận Hoàn Kiếm,2013,INDICATOR_NEW_PARTY_ORGANIZATIONS,6,7,")) {
    throw new Error(`the CSV is not the approved table: ${csvText.slice(0, 300)}`);
  }
  const xlsx = await save("download-xlsx");
  if (xlsx.name !== "chi-tieu-002-2013.xlsx" || xlsx.bytes.subarray(0, 4).toString("latin1") !== "PK\x03\x04") {
    throw new Error(`the workbook is "${xlsx.name}", ${xlsx.bytes.length} bytes`);
  }
  const pdf = await save("download-pdf");
  if (pdf.name !== "bao-cao-nam-002-2013.pdf") throw new Error(`the PDF is named "${pdf.name}"`);
  const pdfPath = `${shots}/bao-cao-nam-002-2013.pdf`;
  writeFileSync(pdfPath, pdf.bytes);
  const pdfText = execFileSync("pdftotext", ["-layout", pdfPath, "-"]).toString("utf8").normalize("NFC");
  if (!pdfText.includes("SỐ LIỆU ĐÃ ĐƯỢC PHÊ DUYỆT") || !pdfText.includes("7/6")) {
    throw new Error(`the PDF is not the approved report: ${pdfText.slice(0, 600)}`);
  }

  step("set a target, then revise it with a reason");
  await page.goto(`${url}/#/units/002/targets?year=2014`);
  await page.getByTestId("set-target").waitFor({ timeout: 10000 });
  await page.getByTestId("target-value").fill("9");
  await page.getByTestId("set-target").getByRole("button", { name: "Lưu" }).click();
  await page.getByTestId("targets").getByRole("cell", { name: "9", exact: true })
    .waitFor({ timeout: 10000 });
  await page.getByTestId("revise-value").fill("10");
  await page.getByTestId("revise-target").getByRole("button", { name: "Lưu" }).click();
  const reasonViolation = page.locator('[data-violation="reason"]');
  await reasonViolation.waitFor({ state: "visible", timeout: 10000 });
  await shot("06-target-reason-required");
  await page.getByTestId("revise-reason").fill("Điều chỉnh theo kết luận của Thành ủy");
  await page.getByTestId("revise-target").getByRole("button", { name: "Lưu" }).click();
  await page.getByTestId("targets").getByRole("cell", { name: "10", exact: true })
    .waitFor({ timeout: 10000 });
  await shot("07-target-revised");

  step("English labels");
  await page.getByTestId("lang").click();
  await page.getByText("New Party organizations").first().waitFor({ timeout: 10000 });
  await shot("08-english");
} catch (e) {
  problems.push(e.message);
}
await finish("dashboard browser test: passed");

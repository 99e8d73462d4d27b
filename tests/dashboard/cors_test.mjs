// CORS in a real browser: another system's page, on an origin the gateway
// lists (--cors_allowed_origins), calls the HTTP/JSON API with a bearer
// key (so the browser sends a preflight first) and reads the answer, an
// error's google.rpc.Status included; a page on an origin not listed
// cannot read anything. The pages are served by playwright-core's request
// interception, so no other server runs.
//   node cors_test.mjs API_URL API_KEY LISTED_ORIGIN DASHBOARD_DIR SCREENSHOT_DIR
import { launch } from "./harness.mjs";

const [api, key, listed, unlisted, dashboardDir, shots] = process.argv.slice(2);
const { page, problems, step, finish } = await launch(dashboardDir, shots);
const fail = (message) => problems.push(message);
try {
  const call = (path, init) =>
    page.evaluate(async ([url, init]) => {
      try {
        const r = await fetch(url, init);
        return { status: r.status, body: await r.json(), retryAfter: r.headers.get("Retry-After") };
      } catch (e) {
        return { error: String(e) };
      }
    }, [`${api}${path}`, init]);
  const auth = { Authorization: `Bearer ${key}` };

  step("a listed origin reads Hoàn Kiếm's 2013 progress");
  await page.goto(`${listed}/portal.html`);
  const progress = await call("/v1/units/002/progress?year=2013", { headers: auth });
  if (progress.status !== 200 || progress.body?.unit !== "units/002") {
    fail(`progress from ${listed}: ${JSON.stringify(progress)}`);
  }

  step("and reads an error's google.rpc.Status");
  const refused = await call("/v1/enterprises/0100233488", {
    method: "PATCH",
    headers: { ...auth, "Content-Type": "application/json" },
    body: JSON.stringify({ colour: "red" }),
  });
  if (refused.status !== 400 || refused.body?.code !== 3) {
    fail(`bad PATCH from ${listed}: ${JSON.stringify(refused)}`);
  }

  step("a simple request (no preflight) from a listed origin is readable");
  const document = await call("/openapi.json", {});
  if (document.status !== 200 || document.body?.openapi !== "3.0.3") {
    fail(`openapi.json from ${listed}: ${JSON.stringify(document).slice(0, 300)}`);
  }

  step("an unlisted origin reads nothing, preflighted or not");
  await page.goto(`${unlisted}/portal.html`);
  const blocked = await call("/v1/units/002/progress?year=2013", { headers: auth });
  if (!blocked.error) {
    fail(`progress from ${unlisted} was readable: ${JSON.stringify(blocked)}`);
  }
  const simple = await call("/openapi.json", {});
  if (!simple.error) {
    fail(`openapi.json from ${unlisted} was readable: ${JSON.stringify(simple).slice(0, 300)}`);
  }
  // The browser's own report of that refusal is what is expected here.
  for (let i = problems.length - 1; i >= 0; --i) {
    if (problems[i].includes("blocked by CORS policy")) problems.splice(i, 1);
  }
} catch (e) {
  fail(`error: ${e.stack ?? e}`);
}
await finish("cors: passed");

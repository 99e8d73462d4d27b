// What the dashboard's browser tests share: Debian's chromium driven by
// playwright-core (from the dashboard's node_modules) headless, a page
// whose script errors are collected as failures, full-page screenshots into
// a folder, and the exit: non-zero with every failure listed.
import { mkdirSync } from "node:fs";
import { pathToFileURL } from "node:url";

export async function launch(dashboardDir, shots) {
  const { chromium } = await import(
    pathToFileURL(`${dashboardDir}/node_modules/playwright-core/index.mjs`).href);
  mkdirSync(shots, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHITIEU_CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
  const problems = [];
  const page = await browser.newPage({ viewport: { width: 1280, height: 1100 }, acceptDownloads: true });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  // Script errors fail the test; the browser's own note on an answer of
  // 4xx does not (refusals are meant to happen).
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) {
      problems.push(`console: ${m.text()}`);
    }
  });
  return {
    page,
    problems,
    step: (name) => console.log(`step: ${name}`),
    shot: (name) => page.screenshot({ path: `${shots}/${name}.png`, fullPage: true }),
    // Closes the browser and exits: 1 with the failures, else 0.
    finish: async (passed) => {
      await browser.close();
      if (problems.length > 0) {
        for (const p of problems) console.error(`FAIL: ${p}`);
        process.exit(1);
      }
      console.log(passed);
    },
  };
}

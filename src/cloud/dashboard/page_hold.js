// Keeps the dashboard open in headless Debian Chromium (playwright-core, tools/browser.sh) for
// --seconds, as a user watching it would, and prints one JSON line: how many state polls the page
// made and how long each took as the browser saw it (request start → response end), plus page
// errors. Used by page_cost_bench.py (the pipelines' latency with the page open vs closed).
//
//   [EDGEFACE_PAGE_NO_CLIPS=1] node page_hold.js --url http://127.0.0.1:PORT/_dashboard/ --seconds 30 [--screenshot OUT.png]
// It stops early when its standard input is closed.
"use strict";

const fs = require("fs");
const os = require("os");
const path = require("path");

const o = { seconds: 30 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) o[argv[i].replace(/^--/, "")] = argv[i + 1];
const root = process.env.EDGEFACE_ROOT || path.join(__dirname, "..", "..", "..");
const { chromium } = require(path.join(root, ".deps", "browser", "node_modules", "playwright-core"));

function pct(v, p) {
  if (!v.length) return null;
  const s = [...v].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length, Math.max(1, Math.ceil((p / 100) * s.length))) - 1] * 100) / 100;
}

(async () => {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "edgeface-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium", headless: true, viewport: { width: 1400, height: 1000 },
    handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const page = context.pages()[0] || (await context.newPage());
  const polls = [];
  const errors = [];
  page.on("requestfinished", (r) => {
    if (!r.url().includes("/api/state")) return;
    const t = r.timing();
    if (t.responseEnd > 0) polls.push(t.responseEnd);
  });
  page.on("requestfailed", (r) => errors.push(r.url() + " " + (r.failure() || {}).errorText));
  page.on("pageerror", (e) => errors.push(String(e)));
  // Diagnostic: EDGEFACE_PAGE_NO_CLIPS=1 refuses the page's clip downloads, so no thumbnail is
  // decoded (what the rest of the page costs).
  if (process.env.EDGEFACE_PAGE_NO_CLIPS === "1") await page.route("**/api/object?*", (route) => route.abort());
  await page.goto(o.url, { waitUntil: "load" });
  console.log("OPEN");
  const started = Date.now();
  const stop = started + Number(o.seconds) * 1000;
  let shot = false;
  await new Promise((resolve) => {
    const tick = async () => {
      // A screenshot 20 s into the run (the devices are streaming by then).
      if (o.screenshot && !shot && Date.now() > started + 20000) {
        shot = true;
        await page.screenshot({ path: o.screenshot, fullPage: true }).catch((e) => errors.push(String(e)));
      }
      if (Date.now() >= stop) return resolve();
      setTimeout(tick, 250);
    };
    tick();
    // Stops early when its standard input ends (the bench closes it).
    process.stdin.on("end", resolve);
    process.stdin.on("close", resolve);
    process.stdin.resume();
    context.on("close", () => { errors.push("the browser closed"); resolve(); });
  });
  // A browser that went away can leave close() pending: do not wait for it for ever.
  await Promise.race([context.close(), new Promise((r) => setTimeout(r, 10000))]);
  fs.rmSync(profile, { recursive: true, force: true });
  console.log(JSON.stringify({ polls: polls.length, state_ms_p50: pct(polls, 50), state_ms_p99: pct(polls, 99),
                               state_ms_max: polls.length ? Math.round(Math.max(...polls)) : null, errors }));
  process.exit(0);
})().catch((e) => {
  console.log(JSON.stringify({ error: e.message }));
  process.exit(1);
});

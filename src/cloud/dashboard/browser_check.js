// Drives the dashboard in headless Debian Chromium through playwright-core (tools/browser.sh),
// for dashboard_browser_test.py. Prints one line "LOADED" once the page shows live data (the test
// then starts a device), and at the end one JSON line with what it saw; exit 0 when every check
// passed, 1 otherwise. Bounded: gives up after --timeout seconds.
//
//   node browser_check.js --url http://127.0.0.1:PORT/_dashboard/ --name president_biden \
//       --screenshot OUT.png [--timeout 120] [--function web] [--user-data-dir DIR]
"use strict";

const fs = require("fs");
const os = require("os");
const path = require("path");

function args() {
  const out = { timeout: 120, function: "web" };
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i += 2) out[a[i].replace(/^--/, "").replace(/-/g, "_")] = a[i + 1];
  for (const need of ["url", "name", "screenshot"]) {
    if (!out[need]) throw new Error("missing --" + need);
  }
  out.timeout = Number(out.timeout);
  return out;
}

function loadPlaywright() {
  const root = process.env.EDGEFACE_ROOT || path.join(__dirname, "..", "..", "..");
  const dir = path.join(root, ".deps", "browser", "node_modules", "playwright-core");
  try {
    return require(dir);
  } catch (err) {
    throw new Error("playwright-core is not installed in " + dir + ": run tools/browser.sh (" + err.message + ")");
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Polls `probe` (async, returns a truthy value when done) every 250 ms until `deadline`.
async function until(what, deadline, probe) {
  let last;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      if (last) return last;
    } catch (err) {
      last = err.message;
    }
    await sleep(250);
  }
  throw new Error("timed out waiting for " + what + (last !== undefined ? " (last: " + JSON.stringify(last) + ")" : ""));
}

async function main() {
  const o = args();
  const deadline = Date.now() + o.timeout * 1000;
  const { chromium } = loadPlaywright();
  const profile = o.user_data_dir || fs.mkdtempSync(path.join(os.tmpdir(), "edgeface-chromium-"));
  const seen = { checks: {}, console_errors: [] };
  // The flags of the machine notes: no sandbox (root), no GPU, and no background networking
  // (this machine's network is closed; Chromium would try Google's hosts at every start).
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    viewport: { width: 1400, height: 1000 },
    timeout: 30000,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  let ok = false;
  try {
    const page = context.pages()[0] || (await context.newPage());
    page.on("console", (m) => { if (m.type() === "error") seen.console_errors.push(m.text()); });
    page.on("pageerror", (e) => seen.console_errors.push(String(e)));
    const response = await page.goto(o.url, { waitUntil: "load", timeout: 30000 });
    seen.checks.loaded = response.ok() && (await page.title()) === "edgeface cloud";
    if (!seen.checks.loaded) throw new Error("the page did not load: HTTP " + response.status());
    await until("the page to show live data", deadline, async () =>
      (await page.textContent("#status")).startsWith("live"));
    // The function row's invocation count (column 6) before the device starts.
    const invocations = async () => {
      const row = await page.$('#functions tbody tr[data-name="' + o.function + '"]');
      return row ? Number(await row.$eval("td:nth-child(6)", (td) => td.textContent)) : NaN;
    };
    seen.invocations_before = await until("the " + o.function + " row", deadline, async () => {
      const n = await invocations();
      return Number.isNaN(n) ? false : { n };
    }).then((x) => x.n);
    console.log("LOADED");

    seen.invocations_after = await until("the invocation count to rise", deadline, async () => {
      const n = await invocations();
      return n > seen.invocations_before ? n : false;
    });
    seen.checks.invocations_rise = true;

    // A recognition card naming the person, with its thumbnail drawn from the stored clip. Cards
    // come and go as answers arrive, so everything about one card is read in one evaluation.
    seen.recognition = await until("a recognition of " + o.name + " with its frame drawn", deadline, () =>
      page.evaluate((name) => {
        for (const c of document.querySelectorAll("#recognitions .card")) {
          const canvas = c.querySelector("canvas");
          if (c.querySelector(".name").textContent !== name || canvas.dataset.state !== "drawn") continue;
          // A real frame, not a blank canvas: many pixels differ from the first one.
          const d = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
          let differ = 0;
          for (let i = 4; i < d.length; i += 4) if (Math.abs(d[i] - d[0]) > 16) differ++;
          return { name, record: c.querySelector(".record").textContent,
                   meta: [...c.querySelectorAll(".meta")].map((e) => e.textContent),
                   href: c.querySelector("a.clip-link").href, differing_pixels: differ / (d.length / 4) };
        }
        return false;
      }, o.name));
    seen.checks.recognition = true;
    seen.checks.thumbnail_has_pixels = seen.recognition.differing_pixels > 0.05;

    // Open the clip behind the card in a new tab, as clicking it does.
    const href = seen.recognition.href;
    const tab = await context.newPage();
    const opened = await tab.goto(href, { timeout: 30000 }).catch((e) => ({ status: () => String(e), ok: () => false }));
    const clip = await page.request.get(href);
    const body = await clip.body();
    seen.clip = { href, tab_status: opened.status(), status: clip.status(), type: clip.headers()["content-type"],
                  bytes: body.length, mp4: body.subarray(4, 8).toString("latin1") === "ftyp" };
    await tab.close();
    // And the same clip through the storage panel's bucket browser.
    const clickLink = (table, text) => page.evaluate(([t, x]) => {
      const a = [...document.querySelectorAll(t + " a")].find((e) => e.textContent === x);
      if (a) a.click();
      return Boolean(a);
    }, [table, text]);
    await until("the clips bucket's link", deadline, () => clickLink("#buckets", "edgeface-clips"));
    const device = await until("the clips bucket listing", deadline, async () => {
      const links = await page.$$eval("#listing a", (as) => as.map((a) => a.textContent));
      return links.find((t) => t.endsWith("/")) || false;
    });
    await until("the device's folder link", deadline, () => clickLink("#listing", device));
    seen.listed_clips = await until("the device's clips", deadline, async () => {
      const n = await page.$$eval("#listing a", (as) => as.filter((a) => a.textContent.endsWith(".mp4")).length);
      return n > 0 ? n : false;
    });
    seen.checks.clip_opens = seen.clip.tab_status === 200 && seen.clip.status === 200 && seen.clip.type === "video/mp4" &&
                             seen.clip.mp4 && seen.listed_clips > 0;

    await page.evaluate(() => window.scrollTo(0, 0));
    // A loaded machine can take long to paint the whole page: a generous timeout, then the viewport.
    await page.screenshot({ path: o.screenshot, fullPage: true, timeout: 90000 })
      .catch(() => page.screenshot({ path: o.screenshot, timeout: 60000 }));
    seen.screenshot = o.screenshot;
    ok = Object.values(seen.checks).every(Boolean);
  } catch (err) {
    seen.error = err.message;
    try {
      const page = context.pages()[0];
      if (page) await page.screenshot({ path: o.screenshot, fullPage: true });
      seen.screenshot = o.screenshot;
    } catch (_) { /* the error above is what matters */ }
  } finally {
    await context.close();
    if (!o.user_data_dir) fs.rmSync(profile, { recursive: true, force: true });
  }
  console.log(JSON.stringify(seen));
  process.exit(ok ? 0 : 1);
}

main().catch((err) => {
  console.log(JSON.stringify({ error: err.message }));
  process.exit(1);
});

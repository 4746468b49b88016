// The edgeface cloud dashboard: polls /_dashboard/api/state every second and draws it; the log
// tail and the bucket browser are fetched on demand. No framework, no build step.
// The page often runs on the cloud's own machine, so it does as little as it can per poll: only
// what changed is redrawn (cells, charts, rows, log lines), thumbnails are decoded once per card,
// for the newest cards only and at most one every few seconds, and a hidden tab polls every 5 s.
"use strict";

const api = (path) => fetch("api/" + path, { cache: "no-store" }).then((r) => {
  if (!r.ok) throw new Error(r.status + " " + r.statusText);
  return r.json();
});
const $ = (sel) => document.querySelector(sel);

function el(tag, props, ...children) {
  const e = document.createElement(tag);
  Object.assign(e, props || {});
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c == null ? "–" : String(c)));
  return e;
}

function bytes(n) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(1) : n) + " " + units[i];
}

function when(ms) {
  if (!ms) return "–";
  const ago = (Date.now() - ms) / 1000;
  const clock = new Date(ms).toLocaleTimeString();
  return ago < 90 ? clock + " (" + Math.max(0, Math.round(ago)) + " s ago)" : clock;
}

// Stacked bars per minute on a small canvas: series = [{values, color}], drawn bottom-up.
function barChart(canvas, series, labelMax) {
  const ctx = canvas.getContext("2d");
  const w = canvas.width, h = canvas.height, n = series[0].values.length;
  ctx.clearRect(0, 0, w, h);
  let max = 1;
  for (let i = 0; i < n; i++) max = Math.max(max, series.reduce((s, x) => s + (x.values[i] || 0), 0));
  const slot = w / n, bar = Math.max(1, slot - 2);
  for (let i = 0; i < n; i++) {
    let y = h;
    for (const s of series) {
      const v = s.values[i] || 0;
      if (!v) continue;
      const bh = Math.max(1, (v / max) * (h - 12));
      ctx.fillStyle = s.color;
      ctx.fillRect(i * slot + 1, y - bh, bar, bh);
      y -= bh;
    }
  }
  ctx.fillStyle = "#6e6e73";
  ctx.font = "10px system-ui, sans-serif";
  if (labelMax) ctx.fillText(String(Math.round(max)), 2, 10);
}

// A line per minute (nulls leave gaps) with its maximum labelled.
function lineChart(canvas, values, color) {
  const ctx = canvas.getContext("2d");
  const w = canvas.width, h = canvas.height, n = values.length;
  ctx.clearRect(0, 0, w, h);
  const max = Math.max(1, ...values.filter((v) => v != null));
  const slot = w / n;
  ctx.strokeStyle = color;
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  let drawing = false;
  values.forEach((v, i) => {
    if (v == null) { drawing = false; return; }
    const x = i * slot + slot / 2, y = h - 2 - (v / max) * (h - 14);
    if (drawing) ctx.lineTo(x, y); else ctx.moveTo(x, y);
    drawing = true;
  });
  ctx.stroke();
  ctx.fillStyle = "#6e6e73";
  ctx.font = "10px system-ui, sans-serif";
  ctx.fillText(String(Math.round(max)), 2, 10);
}

const css = getComputedStyle(document.documentElement);
const color = (name) => css.getPropertyValue(name).trim();

function renderFunctions(functions) {
  const body = $("#functions tbody");
  const rows = new Map([...body.rows].map((r) => [r.dataset.name, r]));
  for (const f of functions) {
    let row = rows.get(f.name);
    if (!row) {
      row = el("tr");
      row.dataset.name = f.name;
      for (let i = 0; i < 13; i++) row.append(el("td"));
      row.append(el("td", {}, el("canvas", { width: 150, height: 36 })));
      row.append(el("td", {}, el("canvas", { width: 100, height: 36 })));
      body.append(row);
    }
    rows.delete(f.name);
    const w = f.window || {};
    const init = f.init ? f.init.last_ms.toFixed(0) + " (" + f.init.p50_ms.toFixed(0) + ")" : null;
    const cells = [f.name, f.instances, f.starting, f.busy, f.idle, f.invocations, f.errors, f.throttles, f.cold_starts,
                   init, f.peak_concurrency, w.duration_p50_ms, w.duration_p99_ms];
    cells.forEach((v, i) => {
      const td = row.cells[i];
      const text = v == null ? "–" : String(v);
      if (td.textContent === text) return;  // an unchanged cell is not touched (no relayout)
      td.textContent = text;
      td.classList.toggle("bad", (i === 6 || i === 7) && v > 0);
    });
    // The charts are redrawn only when their minutes changed (not every poll).
    const m = f.minutes || [];
    const chartKey = m.map((x) => [x.t, x.invocations, x.errors, x.throttles, x.concurrency_max].join()).join(";");
    if (row.dataset.chartKey === chartKey) continue;
    row.dataset.chartKey = chartKey;
    barChart(row.cells[13].firstChild, [
      { values: m.map((x) => x.invocations - x.errors), color: color("--inv") },
      { values: m.map((x) => x.errors), color: color("--err") },
      { values: m.map((x) => x.throttles), color: color("--thr") },
    ], true);
    lineChart(row.cells[14].firstChild, m.map((x) => x.concurrency_max), color("--conc"));
  }
  for (const row of rows.values()) row.remove();

  const select = $("#log-function");
  const names = functions.map((f) => f.name);
  if ([...select.options].map((o) => o.value).join() !== names.join()) {
    const chosen = select.value || "web";  // pipeline 1's function first
    select.replaceChildren(...names.map((n) => el("option", { value: n, selected: n === chosen }, n)));
  }
}

// Replaces a table's rows, but only the rows whose text changed: a row under the pointer stays
// the same element between polls, so a click on its link is not lost to a redraw.
// Within a row of the same shape only the cells whose text changed are replaced (a device's
// "N s ago" changes every second; the rest of its row does not).
function fillTable(sel, rows) {
  const body = $(sel + " tbody");
  const text = (c) => (c instanceof Node ? c.textContent : c == null ? "–" : String(c));
  rows.forEach((cells, i) => {
    const texts = cells.map(text);
    const key = texts.join("\u0001");
    const old = body.rows[i];
    if (old && old.dataset.key === key) return;
    if (old && old.cells.length === cells.length && old.dataset.first === texts[0]) {
      texts.forEach((t, j) => { if (old.cells[j].textContent !== t) old.cells[j].replaceChildren(el("td", {}, cells[j]).firstChild); });
      old.dataset.key = key;
      return;
    }
    const row = el("tr", {}, ...cells.map((c) => el("td", {}, c)));
    row.dataset.key = key;
    row.dataset.first = texts[0];
    if (old) old.replaceWith(row); else body.append(row);
  });
  while (body.rows.length > rows.length) body.rows[rows.length].remove();
}

function link(text, onclick) {
  const a = el("a", { href: "#" }, text);
  a.onclick = (ev) => { ev.preventDefault(); onclick(); };
  return a;
}

async function browse(bucket, prefix) {
  const listing = await api("objects?bucket=" + encodeURIComponent(bucket) + "&prefix=" + encodeURIComponent(prefix));
  $("#browser").hidden = false;
  $("#browse-path").textContent = "s3://" + bucket + "/" + prefix;
  $("#listing thead").replaceChildren(el("tr", {}, el("th", {}, "key"), el("th", {}, "size"), el("th", {}, "modified")));
  const rows = [];
  if (prefix) {
    const up = prefix.slice(0, prefix.slice(0, -1).lastIndexOf("/") + 1);
    rows.push([link("..", () => browse(bucket, up)), "", ""]);
  }
  for (const p of listing.prefixes) rows.push([link(p.slice(prefix.length), () => browse(bucket, p)), "", ""]);
  for (const o of listing.objects) {
    const href = "api/object?bucket=" + encodeURIComponent(bucket) + "&key=" + encodeURIComponent(o.key);
    rows.push([el("a", { href, target: "_blank" }, o.key.slice(prefix.length)), bytes(o.size), when(o.last_modified_ms)]);
  }
  if (listing.truncated) rows.push(["(first 1000 shown)", "", ""]);
  $("#listing tbody").replaceChildren();  // a new listing: its links lead elsewhere
  fillTable("#listing", rows);
}

// DynamoDB's wire JSON ({"S": "x"}, {"N": "1"}, ...) as plain text for a table cell.
function plain(v) {
  const [type, x] = Object.entries(v)[0] || ["", ""];
  if (type === "M") return "{" + Object.entries(x).map(([k, y]) => k + ": " + plain(y)).join(", ") + "}";
  if (type === "L") return "[" + x.map(plain).join(", ") + "]";
  return typeof x === "object" ? JSON.stringify(x) : String(x);
}

async function showItems(table) {
  const page = await api("items?table=" + encodeURIComponent(table) + "&limit=20");
  $("#browser").hidden = false;
  $("#browse-path").textContent = "table " + table + (page.more ? " (first 20 items)" : "");
  const names = [...new Set(page.items.flatMap((item) => Object.keys(item)))];
  $("#listing thead").replaceChildren(el("tr", {}, ...names.map((n) => el("th", {}, n))));
  $("#listing tbody").replaceChildren();  // a new listing: its links lead elsewhere
  fillTable("#listing", page.items.map((item) => names.map((n) => (n in item ? plain(item[n]) : ""))));
}

function renderStorage(state) {
  fillTable("#buckets", state.buckets.map((b) => [
    link(b.name, () => browse(b.name, "")), (b.objects_capped ? "≥" : "") + b.objects, bytes(b.bytes), when(b.last_modified_ms)]));
  fillTable("#tables", state.tables.map((t) => [link(t.name, () => showItems(t.name)), t.items, bytes(t.bytes)]));
  fillTable("#queues", state.queues.map((q) => [q.name + (q.is_dead_letter_queue ? " (DLQ)" : ""), q.visible, q.in_flight,
                                                q.delayed, q.dead_lettered]));
  fillTable("#devices", state.devices.map((d) => {
    const a = d.answers || {};
    return [d.device, d.clips, bytes(d.bytes), when(d.last_capture_ms), when(d.last_stored_ms),
            a.answers_per_min, a.recognized, a.latency_p50_ms, a.latency_p99_ms, a.web_p50_ms, a.last_name];
  }));
}

// ---- latest recognitions: one card per answer, its frame taken from the stored clip ----

function objectUrl(bucket, key) {
  return "api/object?bucket=" + encodeURIComponent(bucket) + "&key=" + encodeURIComponent(key);
}

// Draws the frame at clip.offset_s of the clip, and the face box, on `canvas`. The browser decodes
// the clip (no work on the server); the <video> is dropped once the frame is drawn.
function drawThumbnail(canvas, rec) {
  const video = document.createElement("video");
  video.muted = true;
  video.preload = "auto";
  decoding = true;
  const done = (ok) => {
    decoding = false;
    canvas.dataset.state = ok ? "drawn" : "failed";
    video.removeAttribute("src");
    video.load();
  };
  video.addEventListener("loadedmetadata", () => {
    const t = Math.max(0, Math.min(rec.clip.offset_s, video.duration - 0.001));
    video.currentTime = t + 0.0005;
  }, { once: true });
  video.addEventListener("seeked", () => {
    const ctx = canvas.getContext("2d");
    canvas.height = Math.round(canvas.width * video.videoHeight / video.videoWidth) || canvas.height;
    ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
    if (Array.isArray(rec.box) && rec.box.length === 4) {
      // The box is in the sent frame's pixels: the device sends frames at the clip's size
      // unless it runs with --max-width (then the box is drawn scaled wrongly).
      const s = canvas.width / video.videoWidth;
      const [l, t, r, b] = rec.box;
      ctx.strokeStyle = rec.status === "recognized" ? "#33d17a" : "#f29900";
      ctx.lineWidth = 2;
      ctx.strokeRect(l * s, t * s, (r - l) * s, (b - t) * s);
    }
    done(true);
  }, { once: true });
  video.addEventListener("error", () => done(false), { once: true });
  canvas.dataset.state = "loading";
  setTimeout(() => { if (canvas.dataset.state === "loading") done(false); }, 15000);  // never stuck
  video.src = objectUrl(rec.clip.bucket, rec.clip.key);
}

function recognitionCard(rec) {
  const canvas = el("canvas", { width: 192, height: 108, className: "thumb" });
  canvas.dataset.state = "waiting";  // for the clip to be uploaded
  const record = rec.record ? [rec.record.major, rec.record.year].filter(Boolean).join(", ") : rec.status.replace("_", " ");
  const card = el("div", { className: "card " + rec.status },
    el("a", { className: "clip-link", target: "_blank", title: "open the clip" }, canvas),
    el("div", { className: "name" }, rec.name || (rec.status === "no_face" ? "no face" : "unknown")),
    el("div", { className: "record" }, record),
    el("div", { className: "meta" }, (rec.latency_ms != null ? rec.latency_ms + " ms" : "–") +
       " · web " + (rec.timings_ms && rec.timings_ms.total != null ? rec.timings_ms.total.toFixed(0) + " ms" : "–")),
    el("div", { className: "meta" }, (rec.device_id || "no device id") + " · " + new Date(rec.t).toLocaleTimeString()));
  card.dataset.id = rec.request_id;
  card.title = "distance " + (rec.distance != null ? rec.distance.toFixed(3) : "–") + ", latency = capture → answer";
  return card;
}

const cards = new Map();  // request_id → card
// Decoding a frame of a 1080p clip (from its GOP start) is most of what the page costs the CPU the
// pipelines run on: with 4 devices 8 answers arrive per second. So: one clip decoded at a time, at
// most one decode started every THUMB_GAP_MS, only for the newest THUMB_CARDS cards, none while the
// tab is hidden; a card that left the newest ones without its frame keeps its dark placeholder
// ("skipped"). Of the waiting cards, the one whose frame is nearest its clip's start goes next: the
// browser decodes from the clip's key frame up to the frame, so that is the cheapest decode. A
// drawn thumbnail is never decoded again.
const THUMB_CARDS = 4;
const THUMB_GAP_MS = 4000;
let decoding = false;
let lastDecodeStart = 0;
function renderRecognitions(list) {
  const box = $("#recognitions");
  $("#no-recognitions").hidden = list.length > 0;
  const keep = new Set();
  let next = null;  // the waiting card to decode now, with its answer
  list.forEach((rec, i) => {
    let card = cards.get(rec.request_id);
    if (!card) {
      card = recognitionCard(rec);
      cards.set(rec.request_id, card);
    }
    keep.add(rec.request_id);
    if (box.children[i + 1] !== card) box.insertBefore(card, box.children[i + 1] || null);
    const canvas = card.querySelector("canvas");
    if (rec.clip && !card.dataset.clip) {
      card.dataset.clip = "1";
      card.querySelector("a").href = objectUrl(rec.clip.bucket, rec.clip.key);
    }
    if (canvas.dataset.state !== "waiting") return;
    if (i >= THUMB_CARDS) {
      canvas.dataset.state = "skipped";
      canvas.title = "thumbnail skipped (only the newest cards are decoded); click to open the clip";
      return;
    }
    if (rec.clip && (!next || rec.clip.offset_s < next.rec.clip.offset_s)) next = { canvas, rec };
  });
  const now = Date.now();
  if (next && !decoding && !document.hidden && now - lastDecodeStart >= THUMB_GAP_MS) {
    lastDecodeStart = now;
    drawThumbnail(next.canvas, next.rec);
  }
  for (const [id, card] of cards) {
    if (!keep.has(id)) { card.remove(); cards.delete(id); }
  }
}

async function refreshLog() {
  const fn = $("#log-function").value;
  if (!fn) return;
  const tail = await api("logs?function=" + encodeURIComponent(fn) + "&limit=200");
  const pre = $("#log");
  const line = (e) => {
    const kind = e.report ? "report" : e.message.startsWith("START ") ? "start" : e.message.startsWith("END ") ? "end" : "";
    const div = el("div", { className: kind }, el("span", { className: "time" }, new Date(e.t).toISOString().slice(11, 23) + " "), e.message);
    div.dataset.key = e.t + "\u0001" + e.stream + "\u0001" + e.message;
    return div;
  };
  // Only the events after the last one shown are added (and the oldest dropped): rebuilding 200
  // lines every second was a relayout of the whole tail per poll.
  const keys = tail.events.map((e) => e.t + "\u0001" + e.stream + "\u0001" + e.message);
  const last = pre.dataset.fn === fn && pre.lastElementChild ? pre.lastElementChild.dataset.key : null;
  const from = last == null ? -1 : keys.lastIndexOf(last);
  if (from === keys.length - 1 && pre.children.length === keys.length) return;  // nothing new
  const atBottom = pre.scrollHeight - pre.scrollTop - pre.clientHeight < 20;
  if (from < 0) {
    pre.replaceChildren(...tail.events.map(line));
  } else {
    pre.append(...tail.events.slice(from + 1).map(line));
    while (pre.children.length > keys.length) pre.firstElementChild.remove();
  }
  pre.dataset.fn = fn;
  if (atBottom) pre.scrollTop = pre.scrollHeight;
}

// The log tail is fetched every poll only while its panel is on screen; off screen, every 5th poll
// (each refresh is a request and a read of the function's newest log streams on the server).
let logVisible = true;
let polls = 0;
if ("IntersectionObserver" in window) {
  new IntersectionObserver((entries) => { logVisible = entries[entries.length - 1].isIntersecting; })
    .observe($("#logs-panel"));
}

async function tick() {
  try {
    const state = await api("state");
    $("#history").textContent = state.history_minutes;
    renderFunctions(state.functions);
    renderStorage(state);
    renderRecognitions(state.recognitions || []);
    if (logVisible || polls % 5 === 0) await refreshLog();
    polls++;
    $("#status").textContent = "live · " + new Date(state.time_ms).toLocaleTimeString();
  } catch (err) {
    $("#status").textContent = "disconnected (" + err.message + "), retrying";
  }
  setTimeout(tick, document.hidden ? 5000 : 1000);  // a hidden tab polls less often
}

$("#log-function").onchange = refreshLog;
tick();

"""Does watching the dashboard slow pipeline 1? The device's latency (capture → answer, from its
--json answers) over the same video with the page closed and with the page open in headless
Chromium (page_hold.js: the real page, polling every second), in alternating rounds so that a
change in the machine's load hits both. With --devices 4, four devices run at once (and the page's
own poll times show whether it stays responsive).

  EDGEFACE_BIN=build/bin/edgeface PYTHONPATH=src/cloud/testing /usr/bin/python3 \\
      src/cloud/dashboard/page_cost_bench.py [--rounds 3] [--loops 5] [--devices 1] \\
      [--video test_1.mp4] [--screenshot docs/img/dashboard.png]

Prints, per condition, the answers and the latency p50/p99 over every answer of every round, the
ratio open/closed, and the page's state-poll times as the browser saw them.
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import shutil
import threading

from cloud_harness import CloudServer, edgeface_bin, client_env

ROOT = os.path.abspath(os.environ.get("EDGEFACE_ROOT", os.path.join(os.path.dirname(__file__), "..", "..", "..")))
HOLD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "page_hold.js")


def pct(values, p):
    if not values:
        return None
    s = sorted(values)
    rank = max(1, min(len(s), -(-p * len(s) // 100)))
    return s[int(rank) - 1]


def run_devices(cloud, args, spool, tag):
    """N devices at once over the video; their answers' latencies in ms."""
    procs = []
    for d in range(args.devices):
        procs.append(subprocess.Popen(
            [edgeface_bin(), "edge", "--endpoint", cloud.endpoint, "--spool", os.path.join(spool, str(d)),
             "--device-id", "%s-%d" % (tag, d + 1), "--json", "--pipeline", "frame", "--realtime",
             "--source", os.path.join(ROOT, "..", "shared", "data", "cse546", "videos", args.video),
             "--loop", str(args.loops)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, text=True,
            env=client_env()))
    latencies, failures = [], 0
    for p in procs:
        out, _ = p.communicate(timeout=600)
        for line in out.splitlines():
            if not line.startswith("{"):
                continue
            a = json.loads(line)
            if a.get("summary"):
                failures += a.get("failures", 0)
            elif "latency_s" in a:
                latencies.append(a["latency_s"] * 1000)
    return latencies, failures


def hold_page(cloud, screenshot=None):
    cmd = ["node", HOLD, "--url", cloud.endpoint + "/_dashboard/", "--seconds", "3600"]
    if screenshot:
        cmd += ["--screenshot", screenshot]
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                         env=dict(os.environ, EDGEFACE_ROOT=ROOT))
    first = p.stdout.readline()
    if first.strip() != "OPEN":
        raise SystemExit("page_hold.js did not open the page: " + first + p.stdout.read())
    return p


def close_page(p):
    p.stdin.close()  # page_hold.js stops when its input ends
    try:
        out = p.stdout.read()
        p.wait(timeout=120)
    except subprocess.TimeoutExpired:
        p.kill()
        raise
    return json.loads(out.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--loops", type=int, default=5)
    ap.add_argument("--devices", type=int, default=1)
    ap.add_argument("--video", default="test_1.mp4")
    ap.add_argument("--screenshot", help="save a screenshot of the page during the last open run")
    args = ap.parse_args()
    spool = tempfile.mkdtemp(prefix="dash-bench-spool-")
    results = {"closed": [], "open": []}
    failures = {"closed": 0, "open": 0}
    pages = []
    code_dir = os.path.dirname(edgeface_bin())
    with CloudServer(extra_args=["--stack", os.path.join(ROOT, "template.yaml"), "--parameter", "CodeDir=" + code_dir]) as cloud:
        run_devices(cloud, argparse.Namespace(**{**vars(args), "loops": 1}), spool, "warmup")  # cold starts
        for r in range(args.rounds):
            order = ["closed", "open"] if r % 2 == 0 else ["open", "closed"]
            for mode in order:
                page = None
                if mode == "open":
                    last = r == args.rounds - 1
                    page = hold_page(cloud, args.screenshot if last else None)
                lat, fail = run_devices(cloud, args, spool, "r%d%s" % (r, mode[0]))
                if page:
                    pages.append(close_page(page))
                results[mode] += lat
                failures[mode] += fail
                print("round %d %-6s answers %3d  p50 %6.1f ms  p99 %6.1f ms" %
                      (r + 1, mode, len(lat), pct(lat, 50) or 0, pct(lat, 99) or 0), flush=True)
    shutil.rmtree(spool, ignore_errors=True)
    print("---- %d device(s), %s x %d loops, %d rounds ----" % (args.devices, args.video, args.loops, args.rounds))
    for mode in ("closed", "open"):
        v = results[mode]
        print("page %-6s answers %4d  failures %d  latency p50 %6.1f ms  p99 %6.1f ms" %
              (mode, len(v), failures[mode], pct(v, 50) or 0, pct(v, 99) or 0))
    if results["closed"] and results["open"]:
        print("ratio open/closed: p50 %.3f  p99 %.3f" % (pct(results["open"], 50) / pct(results["closed"], 50),
                                                       pct(results["open"], 99) / pct(results["closed"], 99)))
    polls = sum(p.get("polls", 0) for p in pages)
    print("page state polls: %d; per open run p50/p99/max ms: %s; errors: %s" %
          (polls, [(p.get("state_ms_p50"), p.get("state_ms_p99"), p.get("state_ms_max")) for p in pages],
           sum(len(p.get("errors", [])) for p in pages)))


if __name__ == "__main__":
    main()

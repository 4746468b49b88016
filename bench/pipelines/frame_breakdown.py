#!/usr/bin/python3
"""Pipeline 1, where the milliseconds go: the device on the cse546 videos through the `web` function
URL, every step of every frame from the device's --json answers (its own steps plus web's
timings_ms, which carry face-recognition's), as a table of medians.

    /usr/bin/python3 bench/pipelines/frame_breakdown.py                    # starts edgeface cloud --stack template.yaml
    /usr/bin/python3 bench/pipelines/frame_breakdown.py --runs 3 -- --max-width 960 --jpeg-quality 80
    /usr/bin/python3 bench/pipelines/frame_breakdown.py --endpoint http://127.0.0.1:4566

Arguments after `--` go to `edgeface edge` (default: --realtime --no-clips --in-flight 4 over the
eight test_case_1 videos, labelled by ground_truth.csv). One unmeasured warm-up run first (cold
starts). EDGEFACE_BIN picks the binary (default build/bin/edgeface); the functions run from the
same build. Prints one row per step: p50, p90 and mean in ms, and the answers' accuracy.
"""
import argparse
import csv
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DATA = os.path.join(ROOT, "..", "shared", "data", "cse546")
sys.path.insert(0, os.path.join(ROOT, "src", "cloud", "testing"))


def percentile(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    k = min(len(values) - 1, max(0, int(round(p / 100.0 * (len(values) - 1)))))
    return values[k]


def steps_of(t):
    """One answer's timings_ms → {step: ms}. Derived steps are differences of measured ones."""
    web = t.get("web") or {}
    face = web.get("face") or {}
    s = {}
    if "decode_wait" in t:
        s["device: capture → frame out of the decoder (or released, raw camera)"] = t["decode_wait"]
    if "packet_wait" in t:
        s["  capture → the frame's packet sent (the stream's B-frame order)"] = t["packet_wait"]
        s["  the device reading it late (busy with earlier packets)"] = t.get("behind", 0)
        s["  packet read → frame out of the decoder"] = t["decoder"]
        s["    of which decoding (the decoder's own time)"] = t["decode_busy"]
        s["    of which the decoder holding it for reordering (later packets)"] = t["decoder"] - t["decode_busy"]
    s["device: RGB conversion + JPEG encode"] = t["encode"]
    if "capture_to_send" in t:
        s["device: queued before the POST"] = t["capture_to_send"] - t.get("decode_wait", 0) - t["encode"]
        s["device: capture → POST (sum of the three above)"] = t["capture_to_send"]
    s["POST → answer, as the device sees it"] = t["send_to_answer"]
    if web:
        s["  function URL + engine, both ways (POST→answer − web's own time)"] = t["send_to_answer"] - web["total"]
        s["  web: its own work (parse event, build events, answer)"] = web["total"] - web["recognition"] - web["lookup"]
        s["  web → face-recognition invoke and back (− face's own time)"] = web["recognition"] - face.get("total", 0)
        for k in ("fetch", "decode", "detect", "describe"):
            if k in face:
                label = {"fetch": "parse event + base64 decode", "decode": "JPEG decode",
                         "detect": "HOG detection (face core)", "describe": "landmarks + descriptor + match"}[k]
                s[f"  face-recognition: {label}"] = face[k]
        s["  student-lookup invoke (web's view)"] = web["lookup"]
        s["  web total (handler start → answer built)"] = web["total"]
    s["frame size (KB)"] = t.get("jpeg_bytes", 0) / 1024.0
    return s


def run_device(binary, endpoint, device_args, spool):
    cmd = [binary, "edge", "--endpoint", endpoint, "--json", "--spool", spool] + device_args
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    answers = []
    for line in out.stdout.splitlines():
        try:
            j = json.loads(line)
        except ValueError:
            continue
        if "n" in j:
            answers.append(j)
    return answers, out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--endpoint", help="a running edgeface cloud with the default stack (default: start one)")
    ap.add_argument("--runs", type=int, default=1, help="measured runs (after one warm-up)")
    ap.add_argument("--code-dir", help="the functions' build (template CodeDir; default: EDGEFACE_BIN's directory)")
    ap.add_argument("--cameras", default="h264,raw",
                    help="with --realtime, the device's --camera kinds to measure in turn (default h264,raw)")
    ap.add_argument("device_args", nargs="*", help="after --: flags for edgeface edge")
    args = ap.parse_args()
    from cloud_harness import CloudServer, edgeface_bin

    binary = edgeface_bin()
    videos = [os.path.join(DATA, "videos", r["file"]) for r in csv.DictReader(open(os.path.join(DATA, "ground_truth.csv")))
              if r["test_case"] == "test_case_1"]
    device_args = args.device_args or ["--realtime", "--no-clips", "--in-flight", "4"]
    device_args = device_args + ["--labels", os.path.join(DATA, "ground_truth.csv")]
    for v in videos:
        device_args += ["--source", v]

    kinds = args.cameras.split(",") if "--realtime" in device_args else [""]

    def measure(endpoint, spool):
        run_device(binary, endpoint, device_args, spool)  # warm-up: cold starts
        by_kind = {}
        for _ in range(args.runs):
            for kind in kinds:  # interleaved, so both see the same machine
                got, out = run_device(binary, endpoint, device_args + (["--camera", kind] if kind else []), spool)
                if not got:
                    print(out.stdout[-2000:], out.stderr[-2000:])
                by_kind.setdefault(kind, []).extend(got)
        return by_kind

    import tempfile
    spool = tempfile.mkdtemp(prefix="edgeface-breakdown-spool-")
    if args.endpoint:
        by_kind = measure(args.endpoint, spool)
    else:
        with CloudServer(extra_args=["--stack", os.path.join(ROOT, "template.yaml"),
                                     "--parameter", "CodeDir=" + (args.code_dir or os.path.dirname(binary))]) as cloud:
            by_kind = measure(cloud.endpoint, spool)
    print(f"load average {open('/proc/loadavg').read().strip()}")
    failed = False
    for kind, answers in by_kind.items():
        failed |= report(kind, answers, device_args) != 0
    return 1 if failed else 0


def report(kind, answers, device_args):
    ok = [a for a in answers if a.get("ok") and a.get("timings_ms")]
    right = sum(1 for a in ok if a.get("correct"))
    print()
    print(f"edgeface edge {' '.join(a for a in device_args if not a.startswith(DATA))} "
          f"{'--camera ' + kind + ' ' if kind else ''}...")
    lat = [a['latency_s'] * 1000 for a in ok]
    print(f"answers {len(ok)}/{len(answers)}, right {right}/{len(ok)}; "
          f"latency (capture → answer) p50 {percentile(lat, 50):.1f} ms, p95 {percentile(lat, 95):.1f} ms, "
          f"p99 {percentile(lat, 99):.1f} ms")
    rows = {}
    for a in ok:
        for k, v in steps_of(a["timings_ms"]).items():
            rows.setdefault(k, []).append(v)
    print("| step | p50 | p90 | mean |")
    print("|---|---|---|---|")
    for k, vs in rows.items():
        print(f"| {k} | {percentile(vs, 50):.1f} | {percentile(vs, 90):.1f} | {statistics.mean(vs):.1f} |")
    return 0 if ok and right == len(ok) else 1


if __name__ == "__main__":
    sys.exit(main())

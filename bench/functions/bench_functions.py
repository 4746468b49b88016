#!/usr/bin/python3
"""Figures for docs/functions.md: cold start of face-recognition (process start → ready, models
and gallery loaded), warm invoke latency of face-recognition, and web end to end through its
function URL, on a real `edgeface cloud` with the cse546 data.

    EDGEFACE_BIN=build/bin/edgeface /usr/bin/python3 bench/functions/bench_functions.py [--n 200] [--cold 10]

Cold start: `edgeface fn face-recognition` is started by this script with AWS_LAMBDA_RUNTIME_API
pointing at a stub Runtime API here; the figure is the time from fork/exec to its first
GET /runtime/invocation/next (Lambda's definition of "init done"). The engine's own cold start
(spawn through first answer) is printed too.
Frames: the JPEGs video-splitting stages from the cse546 clips (720p and 1080p, one face each).
Peer: the face pipeline's own time inside the function (timings_ms.total), so the printed ratio
is the cost of the invoke path (HTTP, engine, runtime API) on top of the work itself.
"""
import argparse
import base64
import http.client
import http.server
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "src", "cloud", "testing"))
sys.path.insert(0, os.path.join(ROOT, "src", "functions"))
os.environ.setdefault("EDGEFACE_ROOT", ROOT)

from cloud_harness import edgeface_bin  # noqa: E402
from functions_stack import CSE546, ENV, FunctionsStack, read  # noqa: E402


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


def summary(name, values):
    return "%-38s n=%-4d p50 %7.2f ms  p99 %7.2f ms  min %7.2f  max %7.2f" % (
        name, len(values), pct(values, 50), pct(values, 99), min(values), max(values))


class StubRuntimeApi(http.server.BaseHTTPRequestHandler):
    """Records when the first `next` arrives, then keeps it waiting until the process is killed."""
    arrived = None

    def do_GET(self):
        if self.path.endswith("/runtime/invocation/next") and StubRuntimeApi.arrived is not None:
            StubRuntimeApi.arrived.set()
        time.sleep(5)

    def do_POST(self):  # init errors
        n = int(self.headers.get("Content-Length", "0"))
        sys.stderr.write("init error: %s\n" % self.rfile.read(n).decode(errors="replace"))
        self.send_response(202)
        self.end_headers()

    def log_message(self, *a):
        pass


def cold_starts(endpoint, runs):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), StubRuntimeApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = dict(os.environ)
    env.update(ENV)
    env.update({"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:%d" % server.server_port, "AWS_ENDPOINT_URL": endpoint,
                "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1"})
    times, inits, cpus = [], [], []
    for _ in range(runs):
        StubRuntimeApi.arrived = threading.Event()
        t0 = time.perf_counter()
        p = subprocess.Popen([edgeface_bin(), "fn", "face-recognition"], env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
        ok = StubRuntimeApi.arrived.wait(30)
        t1 = time.perf_counter()
        # CPU the process used up to ready (it is blocked in `next` from then on): the figure that
        # survives a loaded machine, where wall time mostly measures the other processes.
        with open("/proc/%d/stat" % p.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        cpus.append((int(fields[11]) + int(fields[12])) * 1000.0 / os.sysconf("SC_CLK_TCK"))
        p.kill()
        err = p.communicate()[1]
        if not ok:
            raise RuntimeError("face-recognition did not become ready: " + err)
        times.append((t1 - t0) * 1000)
        for line in err.splitlines():
            if "init " in line and " ms" in line:
                inits.append(line.split("init ", 1)[1])
    server.shutdown()
    return times, inits, cpus


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--cold", type=int, default=10)
    args = ap.parse_args()
    with FunctionsStack() as st:
        print("edgeface: %s  (nproc %d, load %.2f)" % (edgeface_bin(), os.cpu_count(), os.getloadavg()[0]))
        # The engine's view of the first cold start: its REPORT line's Init Duration.
        from functions_stack import FIXTURES
        obama = base64.b64encode(read(os.path.join(FIXTURES, "obama.jpg"))).decode()
        t0 = time.perf_counter()
        r = st.lam.invoke(FunctionName="face-recognition", Payload=json.dumps({"image": obama}), LogType="Tail")
        first = (time.perf_counter() - t0) * 1000
        log = base64.b64decode(r.get("LogResult", "")).decode(errors="replace")
        init = [l for l in log.splitlines() if "Init Duration" in l]
        print("first invoke of face-recognition (cold, through the engine): %.1f ms; %s" % (
            first, init[-1].strip() if init else "no Init Duration in the log tail"))
        # Frames: what video-splitting stages from two clips.
        frames = {}
        for clip in ("test_0.mp4", "test_1.mp4"):
            key = "bench/%d.mp4" % (len(frames) + 1)
            st.s3.put_object(Bucket="edgeface-clips", Key=key, Body=read(os.path.join(CSE546, "videos", clip)))
            out, err = st.invoke("video-splitting", {"bucket": "edgeface-clips", "key": key})
            assert err is None, out
            frames[clip] = st.s3.get_object(Bucket="edgeface-stage", Key=key[:-4] + ".jpg")["Body"].read()
        st.sqs.purge_queue(QueueUrl=st.queues["results"])

        # 1. Cold start.
        times, inits, cpus = cold_starts(st.cloud.endpoint, args.cold)
        print(summary("cold start, exec -> ready (stub API)", times))
        print(summary("  CPU used by the process until ready", cpus))
        for line in inits[:3]:
            print("  its own log: init " + line)

        for clip, jpeg in frames.items():
            b64 = base64.b64encode(jpeg).decode()
            event = json.dumps({"image": b64})
            # 2. Warm face-recognition through boto3's Invoke.
            st.invoke("face-recognition", event)  # warm
            lat, inner = [], []
            for _ in range(args.n):
                t0 = time.perf_counter()
                out, err = st.invoke("face-recognition", event)
                lat.append((time.perf_counter() - t0) * 1000)
                assert err is None and out["faces"], out
                inner.append(out["timings_ms"]["total"])
            name = out["faces"][0]["name"]
            print("%s (%d KB JPEG, %s):" % (clip, len(jpeg) // 1024, name))
            print(summary("  face-recognition, boto3 Invoke", lat))
            print(summary("  peer: work inside the function", inner))
            print("  ratio p50 invoke/work: %.2f" % (pct(lat, 50) / pct(inner, 50)))
            # 3. web end to end through the function URL (one keep-alive connection).
            url = urllib.parse.urlparse(st.function_url("web"))
            conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
            web, rec = [], []
            for i in range(args.n + 1):
                t0 = time.perf_counter()
                conn.request("POST", "/", body=jpeg, headers={"Content-Type": "image/jpeg", "x-request-id": str(i)})
                r = conn.getresponse()
                body = json.loads(r.read())
                if i == 0:
                    continue  # warms web's instance
                web.append((time.perf_counter() - t0) * 1000)
                assert r.status == 200 and body["status"] == "recognized", body
                rec.append(body["timings_ms"]["face"]["total"])
            print(summary("  web via function URL, end to end", web))
            print(summary("  peer: face-recognition's work", rec))
            print("  ratio p50 web/work: %.2f   budget (60 ms median) used: %.0f%%" % (
                pct(web, 50) / pct(rec, 50), 100 * pct(web, 50) / 60))


if __name__ == "__main__":
    main()

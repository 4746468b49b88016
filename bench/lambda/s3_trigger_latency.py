"""S3 trigger figures (docs/observability.md): PUT latency without and with a matching
ObjectCreated notification (the event's fsync is on the PUT's path), and the delay from the PUT's
acknowledgement to the function's handler starting.

  /usr/bin/python3 bench/lambda/s3_trigger_latency.py build/bin/edgeface [N]

Starts its own `edgeface cloud` on a free 127.0.0.1 port with a scratch data dir; prints figures.
"""
import json
import os
import shutil
import statistics
import stat
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "src", "cloud", "testing"))
from cloud_harness import CloudServer, wait_until  # noqa: E402

HANDLER = '''import os, time
def handler(event, context):
    key = event["Records"][0]["s3"]["object"]["key"]
    with open(os.path.join(os.environ["OUT_DIR"], key.replace("/", "_")), "w") as f:
        f.write(repr(time.time()))
    return {}
'''


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))]


def main():
    os.environ["EDGEFACE_BIN"] = os.path.abspath(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    work = tempfile.mkdtemp(prefix="edgeface-s3trig-")
    task, out = os.path.join(work, "task"), os.path.join(work, "out")
    os.makedirs(task)
    os.makedirs(out)
    here = os.path.dirname(os.path.abspath(__file__))
    shutil.copy(os.path.join(here, "..", "..", "src", "cloud", "lambda", "testdata", "python_bootstrap"),
                os.path.join(task, "bootstrap"))
    os.chmod(os.path.join(task, "bootstrap"), stat.S_IRWXU)
    with open(os.path.join(task, "trig.py"), "w") as f:
        f.write(HANDLER)
    os.makedirs(os.path.join(work, "data", "lambda"))
    with open(os.path.join(work, "data", "lambda", "functions.json"), "w") as f:
        json.dump({"Functions": [{"FunctionName": "trig", "Command": [os.path.join(task, "bootstrap")],
                                  "Handler": "trig.handler", "Environment": {"Variables": {"OUT_DIR": out}}}]}, f)
    with CloudServer(data_dir=os.path.join(work, "data")) as cloud:
        s3 = cloud.boto3_client("s3")
        for b in ("plain", "triggered"):
            s3.create_bucket(Bucket=b)
        s3.put_bucket_notification_configuration(Bucket="triggered", NotificationConfiguration={
            "LambdaFunctionConfigurations": [{"LambdaFunctionArn": "arn:aws:lambda:us-east-1:000000000000:function:trig",
                                              "Events": ["s3:ObjectCreated:*"]}]})
        s3.put_object(Bucket="triggered", Key="warmup", Body=b"w")  # cold start outside the figures
        wait_until(lambda: os.path.exists(os.path.join(out, "warmup")), timeout=20)
        body = b"x" * 1024
        put_ms = {}
        acked = {}
        for b in ("plain", "triggered"):
            put_ms[b] = []
            for i in range(n):
                t0 = time.time()
                s3.put_object(Bucket=b, Key="k%d" % i, Body=body)
                t1 = time.time()
                put_ms[b].append((t1 - t0) * 1000)
                if b == "triggered":
                    acked["k%d" % i] = t1
                    # One at a time, so the figure is the trigger's delay, not a queue behind one instance.
                    wait_until(lambda: os.path.exists(os.path.join(out, "k%d" % i)), timeout=20, interval=0.001)
        delays = []
        for key, t1 in acked.items():
            with open(os.path.join(out, key)) as f:
                delays.append((float(f.read()) - t1) * 1000)
    shutil.rmtree(work, ignore_errors=True)
    for b in ("plain", "triggered"):
        print("PUT 1 KiB, bucket %-9s  n=%d  p50 %.2f ms  p99 %.2f ms" % (b, n, pct(put_ms[b], 50), pct(put_ms[b], 99)))
    print("PUT acknowledged -> handler running: p50 %.2f ms  p99 %.2f ms  (max %.2f)" %
          (pct(delays, 50), pct(delays, 99), max(delays)))
    print("ratio PUT p50 triggered/plain: %.2f" % (pct(put_ms["triggered"], 50) / pct(put_ms["plain"], 50)))


if __name__ == "__main__":
    main()

"""Cost of one dashboard poll: GET /_dashboard/api/state against a real server with 1 function
(50 invocations) and 1000 clips of 4 devices. Prints p50/p99 of 100 sequential polls.
Run: EDGEFACE_BIN=build/bin/edgeface /usr/bin/python3 src/cloud/dashboard/state_bench.py"""
import json, os, sys, tempfile, time, urllib.request, shutil
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testing"))
from cloud_harness import CloudServer, edgeface_bin
d = tempfile.mkdtemp(prefix="dash-bench-")
os.makedirs(d + "/data/lambda")
json.dump({"Functions": [{"FunctionName": "echo", "Command": [edgeface_bin(), "fn", "echo"], "Handler": "echo"}]}, open(d + "/data/lambda/functions.json", "w"))
with CloudServer(data_dir=d + "/data") as c:
    lam = c.boto3_client("lambda"); s3 = c.boto3_client("s3")
    for i in range(50): lam.invoke(FunctionName="echo", Payload=b"{}")
    s3.create_bucket(Bucket="edgeface-clips")
    for i in range(1000): s3.put_object(Bucket="edgeface-clips", Key="cam-%d/%d.mp4" % (i % 4, 1700000000000 + i * 500), Body=b"x")
    times = []
    for i in range(100):
        t = time.perf_counter(); urllib.request.urlopen(c.endpoint + "/_dashboard/api/state").read(); times.append((time.perf_counter() - t) * 1000)
    times.sort(); print("GET /_dashboard/api/state, 1 function, 1000 objects: p50 %.2f ms p99 %.2f ms" % (times[49], times[98]))
shutil.rmtree(d, ignore_errors=True)

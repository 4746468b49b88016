"""The dashboard of a real `edgeface cloud` (issue 6): after invocations of a registered function,
objects in the clips bucket, items in a table and messages in a queue, GET /_dashboard/api/state
shows them, the log tail holds the REPORT lines, the bucket browser lists and opens objects, and
/_dashboard/ serves the page, all without a signature (as GET /metrics).

A function named "web" prints two EDGEFACE_RECOGNITION lines (the lines src/functions/web.cc writes
per answer) before it starts: the latest recognitions, their clips and the devices' answers come
from them, read back from its CloudWatch log."""
import json
import os
import shutil
import tempfile
import time
import unittest
import urllib.error
import urllib.request

from cloud_harness import CloudServer, edgeface_bin

CLIPS = {"cam-1/1700000000000.mp4": b"a" * 100, "cam-1/1700000000500.mp4": b"b" * 50,
         "cam-2/1700000001000.mp4": b"c" * 7, "notes.txt": b"hello"}


# Two answers as web logs them: cam-1's frame at ...600 is in the clip that starts at ...500.
ANSWERS = [
    {"request_id": "r-1", "filename": None, "device_id": "cam-1", "capture_ms": 1700000000600,
     "status": "recognized", "name": "vin_diesel", "record": {"name": "vin_diesel", "major": "cs", "year": "junior"},
     "distance": 0.31, "box": [10, 20, 110, 140], "timings_ms": {"recognition": 40.5, "lookup": 3.0, "total": 44.0}},
    {"request_id": "r-2", "filename": None, "device_id": "cam-3", "capture_ms": 1700000009000, "status": "no_face",
     "name": None, "record": None, "distance": None, "box": None, "timings_ms": {"total": 30.0}},
]
WEB_COMMAND = ["/bin/sh", "-c", "".join("echo 'EDGEFACE_RECOGNITION %s'; " % json.dumps(a) for a in ANSWERS)
               + 'exec "$0" fn echo']


def get(url, method="GET"):
    """(status, headers, body) of a plain, unsigned request; no redirects followed."""
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, method=method), timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


class DashboardTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="edgeface-dashboard-py-")
        registry = {"Functions": [{"FunctionName": "echo", "Command": [edgeface_bin(), "fn", "echo"], "Handler": "echo"},
                                  {"FunctionName": "web", "Command": WEB_COMMAND[:3] + [edgeface_bin()], "Handler": "web"}]}
        os.makedirs(os.path.join(cls.dir, "data", "lambda"))
        with open(os.path.join(cls.dir, "data", "lambda", "functions.json"), "w") as f:
            json.dump(registry, f)
        cls.cloud = CloudServer(data_dir=os.path.join(cls.dir, "data"))
        cls.cloud.start()
        cls.base = cls.cloud.endpoint + "/_dashboard/"
        lam = cls.cloud.boto3_client("lambda")
        for i in range(3):
            r = lam.invoke(FunctionName="echo", Payload=json.dumps({"n": i}).encode())
            assert r["StatusCode"] == 200 and "FunctionError" not in r, r
        r = lam.invoke(FunctionName="web", Payload=b"{}")
        assert r["StatusCode"] == 200 and "FunctionError" not in r, r
        s3 = cls.cloud.boto3_client("s3")
        s3.create_bucket(Bucket="edgeface-clips")
        for key, body in CLIPS.items():
            s3.put_object(Bucket="edgeface-clips", Key=key, Body=body)
        ddb = cls.cloud.boto3_client("dynamodb")
        ddb.create_table(TableName="students", KeySchema=[{"AttributeName": "name", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "name", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST")
        for name in ("Vin Diesel", "Tom Cruise"):
            ddb.put_item(TableName="students", Item={"name": {"S": name}})
        sqs = cls.cloud.boto3_client("sqs")
        url = sqs.create_queue(QueueName="results")["QueueUrl"]
        for i in range(2):
            sqs.send_message(QueueUrl=url, MessageBody="m%d" % i)
        # A queue with a dead-letter queue holding one message.
        dlq = sqs.create_queue(QueueName="responses-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sqs.create_queue(QueueName="responses", Attributes={
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"})})
        sqs.send_message(QueueUrl=dlq, MessageBody="dead")

    @classmethod
    def tearDownClass(cls):
        cls.cloud.close()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def state(self):
        status, headers, body = get(self.base + "api/state")
        self.assertEqual(status, 200, body)
        self.assertTrue(headers["Content-Type"].startswith("application/json"))
        return json.loads(body)

    def test_state_shows_the_function_and_its_invocations(self):
        state = self.state()
        fn = {f["name"]: f for f in state["functions"]}["echo"]
        self.assertEqual(fn["invocations"], 3)
        self.assertEqual(fn["errors"], 0)
        self.assertEqual(fn["throttles"], 0)
        self.assertGreaterEqual(fn["cold_starts"], 1)
        self.assertGreaterEqual(fn["instances"], 1)  # idle instances stay 60 s
        self.assertEqual(fn["instances"], fn["busy"] + fn["idle"])
        self.assertEqual(len(fn["minutes"]), state["history_minutes"])
        # The per-minute series come from the CloudWatch store (flushed by the query).
        self.assertEqual(sum(m["invocations"] for m in fn["minutes"]), 3)
        self.assertEqual(fn["window"]["invocations"], 3)
        self.assertIsNotNone(fn["window"]["duration_p50_ms"])
        self.assertLessEqual(fn["window"]["duration_p50_ms"], fn["window"]["duration_p99_ms"])
        self.assertGreaterEqual(max(m["concurrency_max"] for m in fn["minutes"]), 1)

    def test_state_shows_buckets_devices_tables_and_queues(self):
        state = self.state()
        bucket = {b["name"]: b for b in state["buckets"]}["edgeface-clips"]
        self.assertEqual(bucket["objects"], len(CLIPS))
        self.assertEqual(bucket["bytes"], sum(len(b) for b in CLIPS.values()))
        self.assertFalse(bucket["objects_capped"])
        devices = {d["device"]: d for d in state["devices"]}
        # notes.txt is not a clip; cam-3 has answers and no clip.
        self.assertEqual(sorted(devices), ["cam-1", "cam-2", "cam-3"])
        self.assertEqual(devices["cam-1"]["clips"], 2)
        self.assertEqual(devices["cam-1"]["last_capture_ms"], 1700000000500)
        self.assertEqual(devices["cam-2"]["bytes"], 7)
        self.assertEqual({t["name"]: t["items"] for t in state["tables"]}, {"students": 2})
        queues = {q["name"]: q for q in state["queues"]}
        self.assertEqual((queues["results"]["visible"], queues["results"]["in_flight"]), (2, 0))
        self.assertIsNone(queues["results"]["dead_lettered"])  # no dead-letter queue
        self.assertEqual(queues["responses"]["dead_lettered"], 1)
        self.assertTrue(queues["responses-dlq"]["is_dead_letter_queue"])

    def test_recognitions_come_from_the_web_log_with_their_clips(self):
        state = self.state()
        recs = state["recognitions"]
        self.assertEqual([r["request_id"] for r in recs], ["r-2", "r-1"])  # newest first
        cam1 = recs[1]
        self.assertEqual((cam1["device_id"], cam1["name"], cam1["status"]), ("cam-1", "vin_diesel", "recognized"))
        self.assertEqual(cam1["record"]["major"], "cs")
        self.assertEqual(cam1["box"], [10, 20, 110, 140])
        self.assertEqual(cam1["latency_ms"], cam1["t"] - 1700000000600)
        self.assertEqual(cam1["timings_ms"]["total"], 44.0)
        self.assertEqual(cam1["clip"]["key"], "cam-1/1700000000500.mp4")
        self.assertAlmostEqual(cam1["clip"]["offset_s"], 0.1)
        self.assertIsNone(recs[0]["clip"])  # cam-3 stored no clip
        status, _, body = get(self.base + "api/recognitions?limit=1")
        self.assertEqual(status, 200, body)
        self.assertEqual([r["request_id"] for r in json.loads(body)["recognitions"]], ["r-2"])
        self.assertEqual(get(self.base + "api/recognitions?limit=x")[0], 400)
        # The devices' answers of the last minute.
        devices = {d["device"]: d for d in state["devices"]}
        self.assertEqual(devices["cam-1"]["answers"]["answers"], 1)
        self.assertEqual(devices["cam-1"]["answers"]["recognized"], 1)
        self.assertEqual(devices["cam-1"]["answers"]["web_p50_ms"], 44.0)
        self.assertEqual(devices["cam-1"]["answers"]["last_name"], "vin_diesel")
        self.assertEqual((devices["cam-3"]["answers"]["answers"], devices["cam-3"]["clips"]), (1, 0))
        self.assertIsNone(devices["cam-2"]["answers"])

    def test_cold_starts_show_their_init_duration(self):
        fns = {f["name"]: f for f in self.state()["functions"]}
        for name in ("echo", "web"):
            init = fns[name]["init"]
            self.assertEqual(init["count"], fns[name]["cold_starts"], name)
            self.assertGreater(init["last_ms"], 0)
            self.assertLessEqual(init["p50_ms"], init["max_ms"])
            self.assertEqual(fns[name]["starting"], 0)
            self.assertEqual(fns[name]["running"] + fns[name]["starting"], fns[name]["busy"])

    def test_log_tail_has_report_lines(self):
        status, _, body = get(self.base + "api/logs?function=echo&limit=50")
        self.assertEqual(status, 200, body)
        events = json.loads(body)["events"]
        reports = [e for e in events if e["report"]]
        self.assertEqual(len(reports), 3, [e["message"] for e in events])
        self.assertTrue(all(e["message"].startswith("REPORT RequestId: ") for e in reports))
        self.assertTrue(any(e["message"].startswith("START RequestId: ") and not e["report"] for e in events))
        self.assertEqual([e["t"] for e in events], sorted(e["t"] for e in events))
        status, _, _ = get(self.base + "api/logs")
        self.assertEqual(status, 400)
        status, _, body = get(self.base + "api/logs?function=nobody")
        self.assertEqual((status, json.loads(body)["events"]), (200, []))

    def test_bucket_browser_lists_one_level_and_opens_objects(self):
        status, _, body = get(self.base + "api/objects?bucket=edgeface-clips")
        self.assertEqual(status, 200, body)
        top = json.loads(body)
        self.assertEqual(top["prefixes"], ["cam-1/", "cam-2/"])
        self.assertEqual([o["key"] for o in top["objects"]], ["notes.txt"])
        status, _, body = get(self.base + "api/objects?bucket=edgeface-clips&prefix=cam-1/")
        self.assertEqual([o["key"] for o in json.loads(body)["objects"]],
                         ["cam-1/1700000000000.mp4", "cam-1/1700000000500.mp4"])
        status, headers, body = get(self.base + "api/object?bucket=edgeface-clips&key=cam-2/1700000001000.mp4")
        self.assertEqual((status, body), (200, CLIPS["cam-2/1700000001000.mp4"]))
        self.assertEqual(headers["Content-Type"], "video/mp4")
        self.assertEqual(get(self.base + "api/objects?bucket=no-such-bucket")[0], 404)
        self.assertEqual(get(self.base + "api/object?bucket=edgeface-clips&key=missing.mp4")[0], 404)

    def test_table_items_are_shown(self):
        status, _, body = get(self.base + "api/items?table=students&limit=1")
        self.assertEqual(status, 200, body)
        page = json.loads(body)
        self.assertEqual(len(page["items"]), 1)
        self.assertIn(page["items"][0]["name"]["S"], ("Vin Diesel", "Tom Cruise"))
        self.assertTrue(page["more"])
        status, _, body = get(self.base + "api/items?table=students")
        self.assertEqual(sorted(i["name"]["S"] for i in json.loads(body)["items"]), ["Tom Cruise", "Vin Diesel"])
        self.assertEqual(get(self.base + "api/items?table=nothing")[0], 404)
        self.assertEqual(get(self.base + "api/items")[0], 400)

    def test_page_and_its_files_are_served_unsigned(self):
        status, headers, body = get(self.base)
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/html"))
        self.assertIn(b'<script src="dashboard.js">', body)
        self.assertIn(b'id="functions"', body)
        for name, kind in (("dashboard.js", "text/javascript"), ("dashboard.css", "text/css")):
            status, headers, body = get(self.base + name)
            self.assertEqual(status, 200, name)
            self.assertTrue(headers["Content-Type"].startswith(kind), headers["Content-Type"])
            self.assertGreater(len(body), 500, name)
        status, headers, _ = get(self.cloud.endpoint + "/_dashboard")
        self.assertEqual((status, headers["Location"]), (302, "/_dashboard/"))
        self.assertEqual(get(self.base + "nothing.html")[0], 404)
        self.assertEqual(get(self.base + "api/state", method="POST")[0], 405)


if __name__ == "__main__":
    unittest.main()

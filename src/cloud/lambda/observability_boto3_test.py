"""S3 triggers, logs and metrics through the real clients (Debian's boto3 and /usr/bin/aws)
against a real `edgeface cloud` running real function processes: an S3 PUT invokes a
standard-library Python function with S3's event record; CloudWatch Logs and metrics read back
what the invocations did; GET /metrics has the Prometheus counters."""
import concurrent.futures
import datetime
import json
import os
import re
import shutil
import stat
import tempfile
import time
import unittest
import urllib.request

from cloud_harness import CloudServer, edgeface_bin, wait_until

HERE = os.path.dirname(os.path.abspath(__file__))
TESTDATA = os.path.join(HERE, "testdata")
STREAM_NAME = re.compile(r"^\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}$")


class ObservabilityTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="edgeface-obs-py-")
        task = os.path.join(cls.dir, "tasks", "recorder")
        os.makedirs(task)
        shutil.copy(os.path.join(TESTDATA, "python_bootstrap"), os.path.join(task, "bootstrap"))
        os.chmod(os.path.join(task, "bootstrap"), stat.S_IRWXU)
        shutil.copy(os.path.join(TESTDATA, "s3_recorder.py"), os.path.join(task, "s3_recorder.py"))
        cls.out = os.path.join(cls.dir, "events")
        os.makedirs(cls.out)
        fn = edgeface_bin()
        registry = {
            "Settings": {"AsyncRetryDelaysMs": [100, 200], "IdleTimeoutMs": 30000},
            "Functions": [
                {"FunctionName": "recorder", "Command": [os.path.join(task, "bootstrap")],
                 "Handler": "s3_recorder.handler", "Environment": {"Variables": {"OUT_DIR": cls.out}}},
                {"FunctionName": "counted", "Command": [fn, "fn", "probe"], "Handler": "probe"},
                {"FunctionName": "wide", "Command": [fn, "fn", "probe"], "Handler": "probe"},
                {"FunctionName": "narrow", "Command": [fn, "fn", "probe"], "Handler": "probe",
                 "ReservedConcurrentExecutions": 1},
            ],
        }
        os.makedirs(os.path.join(cls.dir, "data", "lambda"))
        with open(os.path.join(cls.dir, "data", "lambda", "functions.json"), "w") as f:
            json.dump(registry, f)
        cls.cloud = CloudServer(data_dir=os.path.join(cls.dir, "data"))
        cls.cloud.start()
        cls.s3 = cls.cloud.boto3_client("s3")
        cls.lam = cls.cloud.boto3_client("lambda")

    @classmethod
    def tearDownClass(cls):
        cls.cloud.close()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def recorded(self):
        events = []
        for name in sorted(os.listdir(self.out)):
            if name.endswith(".json"):
                with open(os.path.join(self.out, name)) as f:
                    events.append(json.load(f))
        return events

    def aws_json(self, *args):
        p = self.cloud.aws(*args, "--output", "json")
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout)

    def invoke(self, name, event):
        return self.lam.invoke(FunctionName=name, Payload=json.dumps(event).encode())

    def metric(self, name, stat, function=None, period=60):
        """Datapoints of AWS/Lambda `name` over the last 10 minutes, through /usr/bin/aws."""
        now = datetime.datetime.now(datetime.timezone.utc)
        args = ["cloudwatch", "get-metric-statistics", "--namespace", "AWS/Lambda", "--metric-name", name,
                "--start-time", (now - datetime.timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "--end-time", (now + datetime.timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "--period", str(period), "--statistics", stat]
        if function:
            args += ["--dimensions", "Name=FunctionName,Value=" + function]
        return self.aws_json(*args)["Datapoints"]

    # -- S3 trigger --------------------------------------------------------------------------------
    def test_s3_object_created_invokes_the_function_with_the_s3_event_record(self):
        self.s3.create_bucket(Bucket="uploads")
        arn = self.lam.get_function(FunctionName="recorder")["Configuration"]["FunctionArn"]
        self.s3.put_bucket_notification_configuration(Bucket="uploads", NotificationConfiguration={
            "LambdaFunctionConfigurations": [{
                "Id": "jpegs", "LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"],
                "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "in/"},
                                                   {"Name": "suffix", "Value": ".jpg"}]}}}]})
        self.s3.put_object(Bucket="uploads", Key="in/a b(1).jpg", Body=b"x" * 1234)
        self.s3.put_object(Bucket="uploads", Key="in/notes.txt", Body=b"suffix filter excludes")
        self.s3.put_object(Bucket="uploads", Key="out/c.jpg", Body=b"prefix filter excludes")
        src = os.path.join(self.dir, "cli.jpg")
        with open(src, "wb") as f:
            f.write(b"y" * 10)
        p = self.cloud.aws("s3", "cp", src, "s3://uploads/in/cli.jpg")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.s3.copy_object(Bucket="uploads", Key="in/copy.jpg", CopySource={"Bucket": "uploads", "Key": "in/cli.jpg"})
        def uploads():
            return [e["Records"][0] for e in self.recorded() if e["Records"][0]["s3"]["bucket"]["name"] == "uploads"]
        upload = self.s3.create_multipart_upload(Bucket="uploads", Key="in/multi.jpg")["UploadId"]
        part = self.s3.upload_part(Bucket="uploads", Key="in/multi.jpg", UploadId=upload, PartNumber=1, Body=b"m" * 100)
        self.s3.complete_multipart_upload(Bucket="uploads", Key="in/multi.jpg", UploadId=upload, MultipartUpload={
            "Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
        self.assertTrue(wait_until(lambda: len(uploads()) >= 4, timeout=20), self.recorded())
        time.sleep(0.5)  # anything the filters let through by mistake would arrive by now
        records = uploads()
        by_key = {r["s3"]["object"]["key"]: r for r in records}
        self.assertEqual(sorted(by_key), ["in/a+b%281%29.jpg", "in/cli.jpg", "in/copy.jpg", "in/multi.jpg"])
        self.assertEqual(by_key["in/multi.jpg"]["eventName"], "ObjectCreated:CompleteMultipartUpload")
        self.assertRegex(by_key["in/multi.jpg"]["s3"]["object"]["eTag"], r"^[0-9a-f]{32}-1$")
        r = by_key["in/a+b%281%29.jpg"]
        self.assertEqual(r["eventVersion"], "2.1")
        self.assertEqual(r["eventSource"], "aws:s3")
        self.assertEqual(r["awsRegion"], "us-east-1")
        self.assertEqual(r["eventName"], "ObjectCreated:Put")
        self.assertRegex(r["eventTime"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertEqual(r["s3"]["configurationId"], "jpegs")
        self.assertEqual(r["s3"]["bucket"], {"name": "uploads", "ownerIdentity": {"principalId": "000000000000"},
                                             "arn": "arn:aws:s3:::uploads"})
        self.assertEqual(r["s3"]["object"]["size"], 1234)
        head = self.s3.head_object(Bucket="uploads", Key="in/a b(1).jpg")
        self.assertEqual(r["s3"]["object"]["eTag"], head["ETag"].strip('"'))
        self.assertRegex(r["s3"]["object"]["sequencer"], r"^[0-9A-F]{16}$")
        self.assertEqual(by_key["in/copy.jpg"]["eventName"], "ObjectCreated:Copy")
        # The function's own output went to its log.
        events = self.aws_json("logs", "filter-log-events", "--log-group-name", "/aws/lambda/recorder",
                               "--filter-pattern", '"recorded in/"')["events"]
        self.assertEqual(len(events), 4, events)

    def test_acknowledged_put_is_delivered_after_kill_9(self):
        self.s3.create_bucket(Bucket="durable")
        self.lam.put_function_concurrency(FunctionName="recorder", ReservedConcurrentExecutions=0)
        try:
            self.s3.put_bucket_notification_configuration(Bucket="durable", NotificationConfiguration={
                "LambdaFunctionConfigurations": [{
                    "LambdaFunctionArn": "arn:aws:lambda:us-east-1:000000000000:function:recorder",
                    "Events": ["s3:ObjectCreated:Put"]}]})
            self.s3.put_object(Bucket="durable", Key="survivor.bin", Body=b"z")
            # Throttled (no concurrency): the event waits in the queue. Kill the server now.
            self.cloud.kill9()
            self.cloud.restart()
            self.__class__.s3 = self.cloud.boto3_client("s3")
            self.__class__.lam = self.cloud.boto3_client("lambda")
        finally:
            self.lam.delete_function_concurrency(FunctionName="recorder")
        self.assertTrue(wait_until(
            lambda: any(e["Records"][0]["s3"]["object"]["key"] == "survivor.bin" for e in self.recorded()),
            timeout=20))

    # -- logs ----------------------------------------------------------------------------------------
    def test_logs_have_start_end_report_around_the_function_output(self):
        for i in range(3):
            r = self.invoke("counted", {"print": "hello %d" % i})
            self.assertNotIn("FunctionError", r)
        group = "/aws/lambda/counted"
        groups = self.aws_json("logs", "describe-log-groups", "--log-group-name-prefix", "/aws/lambda/")["logGroups"]
        self.assertIn(group, [g["logGroupName"] for g in groups])
        streams = self.aws_json("logs", "describe-log-streams", "--log-group-name", group)["logStreams"]
        self.assertTrue(streams)
        for s in streams:
            self.assertRegex(s["logStreamName"], STREAM_NAME)
        reports = self.aws_json("logs", "filter-log-events", "--log-group-name", group,
                                "--filter-pattern", "REPORT")["events"]
        self.assertGreaterEqual(len(reports), 3)
        report = re.compile(r"^REPORT RequestId: [0-9a-f-]{36}\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\t"
                            r"Memory Size: 128 MB\tMax Memory Used: \d+ MB(\tInit Duration: \d+\.\d\d ms)?$")
        for e in reports:
            self.assertRegex(e["message"], report)
        inits = [e for e in reports if "Init Duration" in e["message"]]
        self.assertEqual(len(inits), len(streams), "Init Duration once per instance (its cold start)")
        # One stream read in order: START, the function's line, END, REPORT.
        stream = reports[-1]["logStreamName"]
        events = self.aws_json("logs", "get-log-events", "--log-group-name", group, "--log-stream-name", stream,
                               "--start-from-head")["events"]
        messages = [e["message"] for e in events]
        last_start = max(i for i, m in enumerate(messages) if m.startswith("START RequestId: "))
        self.assertRegex(messages[last_start], r"^START RequestId: [0-9a-f-]{36} Version: \$LATEST$")
        self.assertEqual(messages[last_start + 1], "hello 2")
        self.assertRegex(messages[last_start + 2], r"^END RequestId: ")
        self.assertRegex(messages[last_start + 3], r"^REPORT RequestId: ")
        none = self.aws_json("logs", "filter-log-events", "--log-group-name", group, "--filter-pattern",
                             "REPORT -Duration")["events"]
        self.assertEqual(none, [])
        p = self.cloud.aws("logs", "filter-log-events", "--log-group-name", "/aws/lambda/nope")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("ResourceNotFoundException", p.stderr)

    # -- metrics -------------------------------------------------------------------------------------
    def test_invocations_concurrency_throttles_metrics_and_prometheus(self):
        # "counted" runs exactly 7 times in this test (and 3 in the logs test, if that ran first).
        before = sum(d["Sum"] for d in self.metric("Invocations", "Sum", "counted"))
        for i in range(7):
            self.invoke("counted", {"i": i})
        after = sum(d["Sum"] for d in self.metric("Invocations", "Sum", "counted"))
        self.assertEqual(after - before, 7)
        durations = self.metric("Duration", "Maximum", "counted")
        self.assertTrue(durations and all(d["Unit"] == "Milliseconds" for d in durations))

        # 20 parallel calls of a 300 ms function: several instances at once.
        with concurrent.futures.ThreadPoolExecutor(20) as pool:
            results = list(pool.map(lambda i: self.invoke("wide", {"sleep_ms": 300}), range(20)))
        self.assertTrue(all("FunctionError" not in r for r in results))
        peak = max(d["Maximum"] for d in self.metric("ConcurrentExecutions", "Maximum", "wide"))
        self.assertGreater(peak, 1)
        self.assertGreaterEqual(max(d["Maximum"] for d in self.metric("ConcurrentExecutions", "Maximum")), peak)

        # Reserved concurrency 1: parallel calls beyond it are throttled, and counted. (botocore 1.29's
        # max_attempts counts retries; total_max_attempts 1 makes each 429 reach us.)
        once = self.cloud.boto3_client("lambda", retries={"total_max_attempts": 1, "mode": "standard"})

        def call_narrow(_):
            try:
                once.invoke(FunctionName="narrow", Payload=b'{"sleep_ms": 500}')
                return 0
            except once.exceptions.TooManyRequestsException:
                return 1
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            throttled = sum(pool.map(call_narrow, range(4)))
        self.assertGreaterEqual(throttled, 1)
        self.assertEqual(sum(d["Sum"] for d in self.metric("Throttles", "Sum", "narrow")), throttled)

        # GetMetricData through boto3 agrees.
        cw = self.cloud.boto3_client("cloudwatch")
        now = datetime.datetime.now(datetime.timezone.utc)
        data = cw.get_metric_data(
            MetricDataQueries=[{"Id": "inv", "MetricStat": {
                "Metric": {"Namespace": "AWS/Lambda", "MetricName": "Invocations",
                           "Dimensions": [{"Name": "FunctionName", "Value": "wide"}]},
                "Period": 60, "Stat": "Sum"}}],
            StartTime=now - datetime.timedelta(minutes=10), EndTime=now + datetime.timedelta(minutes=2))
        self.assertEqual(sum(data["MetricDataResults"][0]["Values"]), 20)

        # Prometheus text.
        with urllib.request.urlopen(self.cloud.endpoint + "/metrics", timeout=10) as r:
            text = r.read().decode()
        self.assertIn("# TYPE edgeface_lambda_invocations_total counter", text)
        self.assertRegex(text, r'edgeface_lambda_invocations_total\{function="wide"\} 20\n')
        self.assertRegex(text, r'edgeface_lambda_throttles_total\{function="narrow"\} %d\n' % throttled)
        self.assertRegex(text, r'edgeface_gateway_requests_total\{service="lambda",code="2xx"\} \d+')

        # Metrics are kept on disk: after a kill -9 (once the flusher ran) they are still there.
        time.sleep(1.5)
        self.cloud.kill9()
        self.cloud.restart()
        self.__class__.s3 = self.cloud.boto3_client("s3")
        self.__class__.lam = self.cloud.boto3_client("lambda")
        self.assertEqual(sum(d["Sum"] for d in self.metric("Invocations", "Sum", "wide")), 20)


if __name__ == "__main__":
    unittest.main()

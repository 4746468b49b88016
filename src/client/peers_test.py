"""The pipelines with their storage on servers we did not write (issue 7 §3): s3rver 3.7.1 (S3),
dynalite 4.0.0 (DynamoDB) and local-aws-sqs 2.0.2 (SQS) from npm (tools/peers.sh), started here on
127.0.0.1; the functions run on OUR engine (`edgeface cloud --stack src/client/testdata/peers.yaml`)
with AWS_ENDPOINT_URL_S3/_DYNAMODB/_SQS in their Environment pointing at the peers, and the stack
declares no storage of its own. The buckets, the students table and the queues are created and
loaded on the peers with boto3 (Debian's), as a user would on AWS.

- pipeline 1: the real device (`edgeface edge --pipeline frame`) on cse546 videos, its clips going
  to s3rver, each frame's answer (web → face-recognition (gallery from s3rver) → student-lookup
  (dynalite)) checked against ground_truth.csv and the table;
- pipeline 2: the device with `--pipeline clip`: clips to s3rver, video-splitting invoked
  asynchronously, its answers through local-aws-sqs to the device's results poller;
- pipeline 3: test_N.mp4 uploaded to s3rver's input bucket; s3rver cannot call our engine, so the
  test invokes video-recognition asynchronously with the S3 event record AWS would send, then reads
  546proj2output/test_N.csv back from s3rver.

s3rver accepts only the access key S3RVER, so the cloud is started with that key (functions get
the cloud's keys, as Lambda gives them their role's) and the device uses it too."""
import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

from cloud_harness import CloudServer, client_env, edgeface_bin, wait_until

ROOT = os.path.abspath(os.environ.get("EDGEFACE_ROOT", os.path.join(os.path.dirname(__file__), "..", "..")))
PEERS = os.environ.get("EDGEFACE_PEERS", os.path.join(ROOT, ".deps", "peers"))
TEMPLATE = os.path.join(ROOT, "src", "client", "testdata", "peers.yaml")
CSE546 = os.path.abspath(os.path.join(ROOT, "..", "shared", "data", "cse546"))
KEY = "S3RVER"  # s3rver's only access key (secret S3RVER); dynalite and local-aws-sqs take any
# video-recognition runs from the build directory, or, when EDGEFACE_PEERS_VIDEO_ZIP names one, from
# its tools/package.sh zip (unpacked by the cloud to a read-only task root; the zip is 200 MB and
# its root 408 MB, so CI does not build it: docs/aws.md records a run).
VIDEO_CODE = os.environ.get("EDGEFACE_PEERS_VIDEO_ZIP") or os.path.dirname(edgeface_bin())
BUCKETS = ["edgeface-clips", "edgeface-stage", "edgeface-models", "546proj2", "546proj2output"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def truth():
    with open(os.path.join(CSE546, "ground_truth.csv")) as f:
        return {r["file"]: r for r in csv.DictReader(f)}


def students():
    with open(os.path.join(CSE546, "student_data.json")) as f:
        return {s["name"]: s for s in json.load(f)}


class Peer:
    """One peer server process on a free loopback port; stop() ends it (SIGTERM, then SIGKILL)."""

    def __init__(self, name, argv, log_dir):
        self.name = name
        self.log_path = os.path.join(log_dir, name + ".log")
        # A free port can be taken by another process before node binds it; node then exits
        # (EADDRINUSE) while the port answers: start again on a new port.
        for _ in range(3):
            self.port = free_port()
            with open(self.log_path, "w") as log:
                self.proc = subprocess.Popen([a.replace("PORT", str(self.port)) for a in argv], stdout=log,
                                             stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            wait_until(lambda: listening(self.port) or self.proc.poll() is not None, timeout=30)
            time.sleep(0.2)
            if self.proc.poll() is None:
                break
        if self.proc.poll() is not None or not listening(self.port):
            self.stop()
            with open(self.log_path) as f:
                raise RuntimeError("%s did not start: %s" % (name, f.read()[-2000:]))
        self.url = "http://127.0.0.1:%d" % self.port

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_peers(scratch):
    modules = os.path.join(PEERS, "node_modules")
    for p in ("s3rver", "dynalite", "local-aws-sqs"):
        if not os.path.isfile(os.path.join(modules, p, "package.json")):
            raise RuntimeError("%s is not installed in %s: run tools/peers.sh" % (p, PEERS))
    os.makedirs(os.path.join(scratch, "s3rver"))
    peers = {}
    try:
        peers["s3"] = Peer("s3rver", ["node", os.path.join(modules, "s3rver", "bin", "s3rver.js"), "-d",
                                      os.path.join(scratch, "s3rver"), "-a", "127.0.0.1", "-p", "PORT", "--silent"],
                           scratch)
        peers["dynamodb"] = Peer("dynalite", ["node", os.path.join(modules, "dynalite", "cli.js"), "--host",
                                              "127.0.0.1", "--port", "PORT", "--createTableMs", "0"], scratch)
        peers["sqs"] = Peer("local-aws-sqs", [
            "node", "-e", "require(%s).createSqsServer({port: PORT, hostname: '127.0.0.1', "
                          "emulateQueueCreationLifecycle: false})" % json.dumps(os.path.join(modules, "local-aws-sqs"))],
            scratch)
    except BaseException:
        for p in peers.values():
            p.stop()
        raise
    return peers


def boto3_client(service, endpoint):
    import boto3
    from botocore.config import Config
    return boto3.session.Session().client(
        service, endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=KEY, aws_secret_access_key=KEY,
        config=Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=5, read_timeout=60,
                      s3={"addressing_style": "path"}))


def s3_event(bucket, key, size, etag):
    """The record S3 sends to Lambda for an ObjectCreated:Put (event message structure 2.1)."""
    return {"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
        "eventTime": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()), "eventName": "ObjectCreated:Put",
        "userIdentity": {"principalId": "AWS:AIDAEXAMPLE"}, "requestParameters": {"sourceIPAddress": "127.0.0.1"},
        "responseElements": {"x-amz-request-id": "C3D13FE58DE4C810", "x-amz-id-2": "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG"},
        "s3": {"s3SchemaVersion": "1.0", "configurationId": "VideoUploaded",
               "bucket": {"name": bucket, "ownerIdentity": {"principalId": "A3NL1KOZZKExample"},
                          "arn": "arn:aws:s3:::" + bucket},
               "object": {"key": key, "size": size, "eTag": etag.strip('"'), "sequencer": "0055AED6DCD90281E5"}}}]}


class PipelinesOnPeersTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.scratch = tempfile.mkdtemp(prefix="edgeface-peers-")
        cls.peers = start_peers(cls.scratch)
        try:
            cls.s3 = boto3_client("s3", cls.peers["s3"].url)
            cls.db = boto3_client("dynamodb", cls.peers["dynamodb"].url)
            cls.sqs = boto3_client("sqs", cls.peers["sqs"].url)
            for b in BUCKETS:
                cls.s3.create_bucket(Bucket=b)
            with open(os.path.join(CSE546, "encoding_dlib128.json"), "rb") as f:
                cls.s3.put_object(Bucket="edgeface-models", Key="gallery/encodings.json", Body=f.read())
            cls.db.create_table(TableName="students", BillingMode="PAY_PER_REQUEST",
                                KeySchema=[{"AttributeName": "name", "KeyType": "HASH"}],
                                AttributeDefinitions=[{"AttributeName": "name", "AttributeType": "S"}])
            cls.db.get_waiter("table_exists").wait(TableName="students", WaiterConfig={"Delay": 1, "MaxAttempts": 20})
            for s in students().values():
                cls.db.put_item(TableName="students", Item={k: {"S": str(v)} if not isinstance(v, (int, float))
                                                            else {"N": str(v)} for k, v in s.items()})
            for q in ("results", "responses"):
                cls.sqs.create_queue(QueueName=q)
            cls.cloud = CloudServer(access_key=KEY, secret_key=KEY, data_dir=os.path.join(cls.scratch, "cloud"),
                                    extra_args=["--stack", TEMPLATE,
                                                "--parameter", "CodeDir=" + os.path.dirname(edgeface_bin()),
                                                "--parameter", "S3Endpoint=" + cls.peers["s3"].url,
                                                "--parameter", "DynamoDbEndpoint=" + cls.peers["dynamodb"].url,
                                                "--parameter", "SqsEndpoint=" + cls.peers["sqs"].url,
                                                "--parameter", "VideoRecognitionCode=" + VIDEO_CODE])
            cls.cloud.start()
            cls.lam = cls.cloud.boto3_client("lambda", read_timeout=120)
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        if getattr(cls, "cloud", None) is not None:
            cls.cloud.close()
        for dirpath, dirnames, _ in os.walk(cls.scratch):  # task roots are read-only
            for d in dirnames:
                if not os.path.islink(os.path.join(dirpath, d)):
                    os.chmod(os.path.join(dirpath, d), 0o755)
        for p in cls.peers.values():
            p.stop()
        shutil.rmtree(cls.scratch, ignore_errors=True)

    def function_logs(self):
        """The tail of every function log of the cloud (for failure messages)."""
        out = []
        for dirpath, _, files in os.walk(os.path.join(self.scratch, "cloud")):
            for name in files:
                path = os.path.join(dirpath, name)
                if "logs" in path:
                    with open(path, errors="replace") as f:
                        out.append("== %s\n%s" % (path, f.read()[-1500:]))
        return "\n".join(out)[-6000:]

    def device_env(self):
        """The device takes the whole AWS chain from the environment: Lambda (function URL,
        invokes) from AWS_ENDPOINT_URL, i.e. our cloud; S3 and SQS from the per-service variables."""
        env = client_env(KEY, KEY)
        env.update({"AWS_ENDPOINT_URL": self.cloud.endpoint, "AWS_ENDPOINT_URL_S3": self.peers["s3"].url,
                    "AWS_ENDPOINT_URL_SQS": self.peers["sqs"].url,
                    "AWS_ENDPOINT_URL_DYNAMODB": self.peers["dynamodb"].url})
        return env

    def run_device(self, video, pipeline, device_id):
        spool = os.path.join(self.scratch, "spool-" + device_id)
        args = [edgeface_bin(), "edge", "--source", os.path.join(CSE546, "videos", video), "--pipeline", pipeline,
                "--device-id", device_id, "--spool", spool, "--json", "--expect", truth()[video]["expected_person"],
                "--answer-timeout", "60"]
        run = subprocess.run(args, env=self.device_env(), capture_output=True, text=True, timeout=150)
        lines = [json.loads(l) for l in run.stdout.splitlines() if l.strip().startswith("{")]
        summaries = [l for l in lines if l.get("summary")]
        self.assertTrue(summaries, "no summary; exit %d; stderr: %s" % (run.returncode, run.stderr[-3000:]))
        self.assertEqual(run.returncode, 0, run.stderr[-3000:])
        return [l for l in lines if not l.get("summary")], summaries[-1]

    def check_answers(self, video, answers, summary, device_id):
        expected = truth()[video]
        record = students()[expected["expected_person"]]
        self.assertEqual(summary["failures"], 0, "%s\n%s\n%s" % (summary, answers[:2], self.function_logs()))
        self.assertGreater(summary["answers"], 0, summary)
        self.assertEqual(summary["answers"], summary["requests_sent"], summary)
        self.assertEqual(summary["accuracy"]["correct"], summary["accuracy"]["labelled"], answers)
        for a in answers:
            self.assertEqual(a["status"], "recognized", a)
            self.assertEqual(a["name"], expected["expected_person"], a)
            self.assertEqual({k: a["record"][k] for k in ("name", "major", "year")},
                             {"name": record["name"], "major": record["major"], "year": record["year"]}, a)
        # Every clip the device cut is in s3rver's bucket under <device-id>/<capture-ms>.mp4.
        clips = summary["clips"]
        self.assertEqual(clips["dropped"], 0, clips)
        self.assertEqual(clips["pending"], 0, clips)
        self.assertGreater(clips["uploaded"], 0, clips)
        listed = self.s3.list_objects_v2(Bucket="edgeface-clips", Prefix=device_id + "/").get("Contents", [])
        self.assertEqual(len(listed), clips["uploaded"], listed)
        first = self.s3.get_object(Bucket="edgeface-clips", Key=listed[0]["Key"])["Body"].read()
        self.assertEqual(first[4:8], b"ftyp", "an MP4 clip")

    def test_pipeline_1_device_frames_through_web_with_storage_on_the_peers(self):
        for video, device in (("test_0.mp4", "cam-p1a"), ("test_5.mp4", "cam-p1b")):
            answers, summary = self.run_device(video, "frame", device)
            self.check_answers(video, answers, summary, device)

    def test_pipeline_2_device_clips_answered_through_local_aws_sqs(self):
        video, device = "test_1.mp4", "cam-p2"
        answers, summary = self.run_device(video, "clip", device)
        self.check_answers(video, answers, summary, device)
        # video-splitting staged the frames on s3rver.
        staged = self.s3.list_objects_v2(Bucket="edgeface-stage", Prefix=device + "/").get("Contents", [])
        self.assertEqual(len(staged), summary["clips"]["uploaded"], staged)

    def test_pipeline_3_upload_event_and_result_csv_on_s3rver(self):
        people = students()
        created = [l for l in self.cloud.stderr.splitlines() if l.startswith("stack: function video-recognition created")]
        self.assertEqual(len(created), 1, self.cloud.stderr)
        if VIDEO_CODE.endswith(".zip"):
            self.assertIn("/task-roots/", created[0], "runs the package's bootstrap from its task root")
        for video in ("test_2.mp4", "test_7.mp4"):
            expected = truth()[video]
            with open(os.path.join(CSE546, "videos", video), "rb") as f:
                body = f.read()
            put = self.s3.put_object(Bucket="546proj2", Key=video, Body=body)
            event = s3_event("546proj2", video, len(body), put["ETag"])
            r = self.lam.invoke(FunctionName="video-recognition", InvocationType="Event",
                                Payload=json.dumps(event).encode())
            self.assertEqual(r["StatusCode"], 202)
            key = video[:-len(".mp4")] + ".csv"

            def result():
                try:
                    return self.s3.get_object(Bucket="546proj2output", Key=key)["Body"].read().decode()
                except self.s3.exceptions.NoSuchKey:
                    return None
            text = wait_until(result, timeout=90, interval=0.25)
            self.assertIsNotNone(text, "no %s in s3rver's output bucket; %s" % (key, self.function_logs()))
            row = people[expected["expected_person"]]
            self.assertEqual(text.strip(), "%s,%s,%s" % (row["name"], row["major"], row["year"]))
        # Nothing of this went to the cloud's own store: it has no buckets at all.
        own = self.cloud.boto3_client("s3", s3={"addressing_style": "path"}).list_buckets()["Buckets"]
        self.assertEqual(own, [])


if __name__ == "__main__":
    unittest.main()

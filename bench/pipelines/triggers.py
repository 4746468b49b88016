#!/usr/bin/python3
"""Pipeline 2, three ways to start video-splitting: direct invocation, an S3 trigger, an SQS trigger.

The same clips (the cse546 sample videos, stored as "<device-id>/<capture-ms>.mp4" as the device
names them) go through each path, one at a time (each waits for its answer, so the figure is the
path's latency, not a queue's backlog):

  direct  PUT edgeface-clips/K, then Lambda Invoke (InvocationType=Event) video-splitting
          {"bucket","key"}: what `edgeface edge --pipeline clip` does
  s3      PUT edgeface-clips-s3/K; the bucket's notification invokes video-splitting with an S3
          event (a LambdaFunctionConfiguration, as template.yaml does for pipeline 3)
  sqs     PUT edgeface-clips/K, then SendMessage {"bucket","key"} to the queue clips-to-split,
          whose event source mapping (BatchSize 1) invokes video-splitting with an SQS event.
          (Not S3 → SQS: the local S3 stores QueueConfigurations but does not deliver them yet.)

End to end: the clip stored (PutObject acknowledged to the uploader) → the result message on the
`results` queue (its SentTimestamp, stamped by the queue when video-splitting's SendMessage
arrived), and → received by a consumer long-polling the queue. Every answer is checked against
ground_truth.csv.

    /usr/bin/python3 bench/pipelines/triggers.py              # starts edgeface cloud --stack template.yaml
    /usr/bin/python3 bench/pipelines/triggers.py --rounds 5   # 5 x 8 clips per path (default 3)
    /usr/bin/python3 bench/pipelines/triggers.py --endpoint http://127.0.0.1:4566   # a running cloud

EDGEFACE_BIN picks the binary (default build/bin/edgeface); the functions run from the same build.
Exit code 0 only when every clip was answered and every answer was right.
"""
import argparse
import csv
import json
import os
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DATA = os.path.join(ROOT, "..", "shared", "data", "cse546")
sys.path.insert(0, os.path.join(ROOT, "src", "cloud", "testing"))

PATHS = ("direct", "s3", "sqs")


def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, int(round(p / 100.0 * (len(values) - 1)))))
    return values[k]


class Bench:
    def __init__(self, s3, lam, sqs, args):
        self.s3, self.lam, self.sqs, self.args = s3, lam, sqs, args
        self.results_url = sqs.get_queue_url(QueueName="results")["QueueUrl"]
        self.mapping = None

    def setup(self):
        arn = self.lam.get_function(FunctionName="video-splitting")["Configuration"]["FunctionArn"]
        self.s3.create_bucket(Bucket="edgeface-clips-s3")
        self.s3.put_bucket_notification_configuration(Bucket="edgeface-clips-s3", NotificationConfiguration={
            "LambdaFunctionConfigurations": [{"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"],
                                              "Filter": {"Key": {"FilterRules": [{"Name": "suffix", "Value": ".mp4"}]}}}]})
        q = self.sqs.create_queue(QueueName="clips-to-split", Attributes={"VisibilityTimeout": "60"})["QueueUrl"]
        qarn = self.sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.clips_queue = q
        self.mapping = self.lam.create_event_source_mapping(EventSourceArn=qarn, FunctionName="video-splitting",
                                                            BatchSize=1)["UUID"]
        # Whatever an earlier run left on the results queue must not be taken for an answer.
        self.sqs.purge_queue(QueueUrl=self.results_url)

    def teardown(self):
        if self.mapping:
            self.lam.delete_event_source_mapping(UUID=self.mapping)

    def store(self, path, key, body):
        """Stores the clip the way `path` needs; returns the epoch ms at which the clip was stored."""
        bucket = "edgeface-clips-s3" if path == "s3" else "edgeface-clips"
        self.s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="video/mp4")
        stored_ms = time.time() * 1000
        if path == "direct":
            self.lam.invoke(FunctionName="video-splitting", InvocationType="Event",
                            Payload=json.dumps({"bucket": bucket, "key": key}).encode())
        elif path == "sqs":
            self.sqs.send_message(QueueUrl=self.clips_queue, MessageBody=json.dumps({"bucket": bucket, "key": key}))
        return stored_ms

    def wait_for(self, key, timeout):
        """The results message for clip `key`: (body, SentTimestamp ms, received epoch ms) or None."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            out = self.sqs.receive_message(QueueUrl=self.results_url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                           AttributeNames=["SentTimestamp"])
            received_ms = time.time() * 1000
            found = None
            for m in out.get("Messages", []):
                self.sqs.delete_message(QueueUrl=self.results_url, ReceiptHandle=m["ReceiptHandle"])
                body = json.loads(m["Body"])
                if body.get("clip_key") == key:
                    found = (body, int(m["Attributes"]["SentTimestamp"]), received_ms)
            if found:
                return found
        return None


def run(bench, args):
    truth = {r["file"]: r["expected_person"] for r in csv.DictReader(open(os.path.join(DATA, "ground_truth.csv")))
             if r["test_case"] == "test_case_1"}
    videos = sorted(truth)
    if args.limit:
        videos = videos[: args.limit]
    contents = {v: open(os.path.join(DATA, "videos", v), "rb").read() for v in videos}
    bench.setup()
    try:
        # One clip per path first: the cold starts of video-splitting, face-recognition and
        # student-lookup are not what the paths differ in.
        for path in PATHS:
            key = f"warm-{path}/{int(time.time() * 1000)}.mp4"
            bench.store(path, key, contents[videos[0]])
            if bench.wait_for(key, args.timeout) is None:
                print(f"{path}: the warm-up clip got no answer within {args.timeout} s")
                return 1
        rows, failures = {p: [] for p in PATHS}, []
        for r in range(args.rounds):
            for v in videos:
                for path in PATHS:  # interleaved, so a slow moment of the machine hits all three
                    capture_ms = int(time.time() * 1000)
                    key = f"{path}-cam/{capture_ms}.mp4"
                    stored_ms = bench.store(path, key, contents[v])
                    got = bench.wait_for(key, args.timeout)
                    if got is None:
                        failures.append(f"{path} {v}: no answer within {args.timeout} s")
                        continue
                    body, sent_ms, received_ms = got
                    if body.get("name") != truth[v]:
                        failures.append(f"{path} {v}: got {body.get('name')} expected {truth[v]}")
                    t = body.get("timings_ms", {})
                    rows[path].append({"to_send": sent_ms - stored_ms, "to_receive": received_ms - stored_ms,
                                       "work": t.get("total", float("nan")), "right": body.get("name") == truth[v]})
    finally:
        bench.teardown()

    print(f"pipeline 2, {len(videos)} cse546 videos x {args.rounds} rounds per path, one clip at a time")
    print("| path | clips | right | stored → SendMessage p50 / p95 / max (ms) | stored → received p50 / p95 (ms) "
          "| video-splitting's own work p50 (ms) | the path's own share p50 / p95 (ms) |")
    print("|---|---|---|---|---|---|---|")
    for path in PATHS:
        rs = rows[path]
        send = [x["to_send"] for x in rs]
        recv = [x["to_receive"] for x in rs]
        work = [x["work"] for x in rs]
        # stored → SendMessage minus the handler's own work: getting the clip to the handler
        # (invoke, notification, queue + poller) and the SendMessage call itself.
        share = [x["to_send"] - x["work"] for x in rs]
        print(f"| {path} | {len(rs)} | {sum(x['right'] for x in rs)} | {percentile(send, 50):.1f} / "
              f"{percentile(send, 95):.1f} / {max(send) if send else float('nan'):.1f} | {percentile(recv, 50):.1f} / "
              f"{percentile(recv, 95):.1f} | {percentile(work, 50):.1f} | {percentile(share, 50):.1f} / "
              f"{percentile(share, 95):.1f} |")
    for f in failures[:20]:
        print("  FAILED " + f)
    return 0 if not failures else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--endpoint", help="a running edgeface cloud with the default stack (default: start one)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--limit", type=int, default=0, help="only the first N videos")
    ap.add_argument("--timeout", type=float, default=60)
    args = ap.parse_args()
    import boto3
    from botocore.config import Config

    config = Config(retries={"max_attempts": 3, "mode": "standard"}, read_timeout=120)

    def clients(endpoint):
        mk = lambda s: boto3.client(s, endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
                                    aws_secret_access_key="test", config=config)
        return mk("s3"), mk("lambda"), mk("sqs")

    if args.endpoint:
        return run(Bench(*clients(args.endpoint), args), args)
    from cloud_harness import CloudServer, edgeface_bin

    code_dir = os.path.dirname(edgeface_bin())
    with CloudServer(extra_args=["--stack", os.path.join(ROOT, "template.yaml"),
                                 "--parameter", "CodeDir=" + code_dir]) as cloud:
        return run(Bench(*clients(cloud.endpoint), args), args)


if __name__ == "__main__":
    sys.exit(main())

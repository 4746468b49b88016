"""The demo's second half: the local cloud as the course's backend, driven with the real boto3.

Starts `edgeface cloud` on a free loopback port with a fresh data directory, loads the students
table from ../shared/data/cse546/student_data.json into its DynamoDB, stores the sample videos in
its S3 input bucket, recognises each stored video with `edgeface recognize`, looks the person up in
the table and prints the answer the way the device will, then stops the cloud.

The function engine runs the same steps as functions once the product pipelines land (issue 5);
until then this script plays the function's part so that every answer comes from the real
services over the real wire protocols.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src", "cloud", "testing"))
from cloud_harness import CloudServer  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
DATA = os.path.join(ROOT, "..", "shared", "data", "cse546")
BIN = os.path.join(ROOT, "build", "bin", "edgeface")


def main():
    os.environ.setdefault("EDGEFACE_BIN", BIN)
    with CloudServer() as cloud:
        print("local cloud: %s" % cloud.endpoint)
        ddb = cloud.boto3_client("dynamodb")
        s3 = cloud.boto3_client("s3")
        ddb.create_table(TableName="students",
                         KeySchema=[{"AttributeName": "name", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "name", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST")
        with open(os.path.join(DATA, "student_data.json")) as f:
            students = json.load(f)
        for s in students:  # loaded verbatim: the table says what student_data.json says
            ddb.put_item(TableName="students", Item={
                "name": {"S": s["name"]}, "id": {"N": str(s["id"])},
                "major": {"S": s["major"]}, "year": {"S": s["year"]}})
        print("students table: %d records" % len(students))
        s3.create_bucket(Bucket="546proj2")
        videos = sorted(v for v in os.listdir(os.path.join(DATA, "videos")) if v.endswith(".mp4"))
        for v in videos:
            s3.upload_file(os.path.join(DATA, "videos", v), "546proj2", v)
        print("input bucket 546proj2: %d videos\n" % len(videos))

        gallery = os.path.join(DATA, "encoding_dlib128.json")
        with tempfile.TemporaryDirectory() as tmp:
            for n, v in enumerate(videos, 1):
                start = time.monotonic()
                local = os.path.join(tmp, v)
                s3.download_file("546proj2", v, local)
                out = subprocess.run([BIN, "recognize", "--json", "--first", "--gallery", gallery, local],
                                     capture_output=True, text=True, check=False)
                person = json.loads(out.stdout.splitlines()[0]).get("person") if out.stdout else None
                item = None
                if person:
                    item = ddb.get_item(TableName="students", Key={"name": {"S": person}}).get("Item")
                latency = time.monotonic() - start
                if item:
                    print('The %d person recognized: "%s", "%s", "%s"' %
                          (n, person, item["major"]["S"], item["year"]["S"]))
                elif person:
                    print('The %d person recognized: "%s" (no record in the students table)' % (n, person))
                else:
                    print("The %d video: no known face" % n)
                print("Latency: %.3f seconds" % latency)


if __name__ == "__main__":
    main()

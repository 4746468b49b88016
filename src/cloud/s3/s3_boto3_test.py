"""S3 integration tests: the real `edgeface cloud`, driven by Debian's boto3 and /usr/bin/aws.

Run by CTest (edgeface_pytest) with PYTHONPATH=src/cloud/testing and EDGEFACE_BIN set.
"""
import hashlib
import base64
import os
import random
import tempfile
import threading
import time
import unittest
import urllib.request

import boto3.s3.transfer
import botocore.exceptions

from cloud_harness import CloudServer

MiB = 1 << 20
ODD_KEYS = ["plain.txt", "with space/and+plus", "caf\u00e9/\u65e5\u672c/\U0001F600.bin", "../../escape",
            "a//double//slash", "./dot", "percent%20literal", "k" * 1024, "question?mark&amp"]


def payload(key, size):
    """Bytes that can be recomputed from the key alone (for durability checks)."""
    seed = hashlib.sha256(key.encode()).digest()
    return (seed * (size // len(seed) + 1))[:size]


class S3Test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cloud = CloudServer().__enter__()
        cls.s3 = cls.cloud.boto3_client("s3")

    @classmethod
    def tearDownClass(cls):
        cls.cloud.__exit__(None, None, None)

    def bucket(self, name):
        self.s3.create_bucket(Bucket=name)
        return name

    def assertS3Error(self, status, code, fn, *args, **kwargs):
        with self.assertRaises(botocore.exceptions.ClientError) as ctx:
            fn(*args, **kwargs)
        err = ctx.exception.response
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], status, err)
        self.assertEqual(err["Error"]["Code"], code, err)
        return err

    # -- buckets -------------------------------------------------------------------------------
    def test_bucket_lifecycle_and_errors(self):
        b = self.bucket("life-cycle")
        self.assertIn(b, [x["Name"] for x in self.s3.list_buckets()["Buckets"]])
        self.s3.head_bucket(Bucket=b)
        self.assertS3Error(409, "BucketAlreadyOwnedByYou", self.s3.create_bucket, Bucket=b)
        self.s3.put_object(Bucket=b, Key="k", Body=b"v")
        self.assertS3Error(409, "BucketNotEmpty", self.s3.delete_bucket, Bucket=b)
        self.s3.delete_object(Bucket=b, Key="k")
        self.s3.delete_bucket(Bucket=b)
        self.assertS3Error(404, "404", self.s3.head_bucket, Bucket=b)  # HEAD errors have no body
        self.assertS3Error(404, "NoSuchBucket", self.s3.list_objects_v2, Bucket=b)
        self.assertS3Error(404, "NoSuchBucket", self.s3.put_object, Bucket=b, Key="k", Body=b"v")
        self.assertS3Error(400, "InvalidBucketName", self.s3.create_bucket, Bucket="Upper_Case")

    def test_create_bucket_configuration(self):
        self.s3.create_bucket(Bucket="with-config", CreateBucketConfiguration={"LocationConstraint": "us-east-1"}) \
            if False else None  # us-east-1 forbids naming itself, like S3:
        self.assertS3Error(400, "InvalidLocationConstraint", self.s3.create_bucket, Bucket="with-config",
                           CreateBucketConfiguration={"LocationConstraint": "us-east-1"})
        self.assertS3Error(400, "IllegalLocationConstraintException", self.s3.create_bucket,
                           Bucket="with-config", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})

    # -- objects -------------------------------------------------------------------------------
    def test_odd_keys_round_trip_and_stay_inside_the_data_dir(self):
        b = self.bucket("odd-keys")
        for k in ODD_KEYS:
            self.s3.put_object(Bucket=b, Key=k, Body=payload(k, 100), ContentType="text/x-test",
                               Metadata={"origin": "unit"})
        listed = [o["Key"] for o in self.s3.list_objects_v2(Bucket=b)["Contents"]]
        self.assertEqual(sorted(listed, key=lambda s: s.encode()), listed)
        self.assertEqual(sorted(listed), sorted(ODD_KEYS))
        for k in ODD_KEYS:
            got = self.s3.get_object(Bucket=b, Key=k)
            self.assertEqual(got["Body"].read(), payload(k, 100), k)
            self.assertEqual(got["ContentType"], "text/x-test")
            self.assertEqual(got["Metadata"], {"origin": "unit"})
            self.assertEqual(got["ETag"], '"%s"' % hashlib.md5(payload(k, 100)).hexdigest())
        # Nothing named after a key exists anywhere (keys never become paths).
        root = os.path.dirname(self.cloud.data_dir)
        self.assertFalse(os.path.exists(os.path.join(self.cloud.data_dir, "s3", "..", "..", "escape")))
        for dirpath, dirnames, filenames in os.walk(self.cloud.data_dir):
            for name in dirnames + filenames:
                self.assertNotIn(name, ("escape", "dot", "plain.txt", "double"), dirpath)
        self.assertTrue(os.path.isdir(root))

    def test_head_get_missing_and_delete(self):
        b = self.bucket("missing")
        self.assertS3Error(404, "NoSuchKey", self.s3.get_object, Bucket=b, Key="nope")
        self.assertS3Error(404, "404", self.s3.head_object, Bucket=b, Key="nope")
        self.s3.delete_object(Bucket=b, Key="nope")  # S3 says 204 for a missing key
        self.s3.put_object(Bucket=b, Key="k", Body=b"abc")
        head = self.s3.head_object(Bucket=b, Key="k")
        self.assertEqual(head["ContentLength"], 3)
        self.s3.delete_object(Bucket=b, Key="k")
        self.assertS3Error(404, "NoSuchKey", self.s3.get_object, Bucket=b, Key="k")

    def test_range_reads(self):
        b = self.bucket("ranges")
        data = payload("ranges", 3 * MiB + 17)
        self.s3.put_object(Bucket=b, Key="big", Body=data)
        for spec, want in (("bytes=0-9", data[:10]), ("bytes=100-", data[100:]), ("bytes=-5", data[-5:]),
                           ("bytes=%d-%d" % (MiB, 2 * MiB), data[MiB:2 * MiB + 1])):
            got = self.s3.get_object(Bucket=b, Key="big", Range=spec)
            self.assertEqual(got["ResponseMetadata"]["HTTPStatusCode"], 206)
            self.assertEqual(got["Body"].read(), want, spec)
            self.assertTrue(got["ContentRange"].endswith("/%d" % len(data)))
        self.assertEqual(self.s3.get_object(Bucket=b, Key="big")["Body"].read(), data)
        self.assertS3Error(416, "InvalidRange", self.s3.get_object, Bucket=b, Key="big",
                           Range="bytes=%d-" % len(data))

    def test_content_md5(self):
        b = self.bucket("digests")
        good = base64.b64encode(hashlib.md5(b"body").digest()).decode()
        self.s3.put_object(Bucket=b, Key="ok", Body=b"body", ContentMD5=good)
        wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
        self.assertS3Error(400, "BadDigest", self.s3.put_object, Bucket=b, Key="bad", Body=b"body", ContentMD5=wrong)
        self.assertS3Error(400, "InvalidDigest", self.s3.put_object, Bucket=b, Key="bad", Body=b"body",
                           ContentMD5="not-base64")
        self.assertS3Error(404, "NoSuchKey", self.s3.get_object, Bucket=b, Key="bad")

    def test_conditional_get(self):
        b = self.bucket("conditions")
        etag = self.s3.put_object(Bucket=b, Key="k", Body=b"x")["ETag"]
        self.assertS3Error(304, "304", self.s3.get_object, Bucket=b, Key="k", IfNoneMatch=etag)
        self.assertS3Error(412, "PreconditionFailed", self.s3.get_object, Bucket=b, Key="k", IfMatch='"other"')
        self.assertEqual(self.s3.get_object(Bucket=b, Key="k", IfMatch=etag)["Body"].read(), b"x")

    def test_copy_object(self):
        b = self.bucket("copies")
        src = "src dir/\u00e9 +.txt"
        self.s3.put_object(Bucket=b, Key=src, Body=b"copy me", Metadata={"a": "1"}, ContentType="text/plain")
        r = self.s3.copy_object(Bucket=b, Key="dst", CopySource={"Bucket": b, "Key": src})
        self.assertEqual(r["CopyObjectResult"]["ETag"], '"%s"' % hashlib.md5(b"copy me").hexdigest())
        got = self.s3.get_object(Bucket=b, Key="dst")
        self.assertEqual(got["Body"].read(), b"copy me")
        self.assertEqual(got["Metadata"], {"a": "1"})
        self.s3.copy_object(Bucket=b, Key="dst2", CopySource="%s/%s" % (b, src), MetadataDirective="REPLACE",
                            Metadata={"b": "2"}, ContentType="application/x-new")
        got = self.s3.head_object(Bucket=b, Key="dst2")
        self.assertEqual(got["Metadata"], {"b": "2"})
        self.assertEqual(got["ContentType"], "application/x-new")
        self.assertS3Error(404, "NoSuchKey", self.s3.copy_object, Bucket=b, Key="x", CopySource={"Bucket": b, "Key": "none"})
        self.assertS3Error(400, "InvalidRequest", self.s3.copy_object, Bucket=b, Key=src,
                           CopySource={"Bucket": b, "Key": src})

    # -- listings ------------------------------------------------------------------------------
    def test_listings_paginate_with_prefix_and_delimiter(self):
        b = self.bucket("listings")
        keys = ["photos/2024/a.jpg", "photos/2024/b.jpg", "photos/2025/c.jpg", "photos/top.jpg",
                "readme", "z\u00e9 key"] + ["many/%03d" % i for i in range(25)]
        for k in keys:
            self.s3.put_object(Bucket=b, Key=k, Body=b"x")
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=b, PaginationConfig={"PageSize": 7})
        seen = [o["Key"] for p in pages for o in p.get("Contents", [])]
        self.assertEqual(seen, sorted(keys, key=lambda s: s.encode()))
        r = self.s3.list_objects_v2(Bucket=b, Prefix="photos/", Delimiter="/")
        self.assertEqual([p["Prefix"] for p in r["CommonPrefixes"]], ["photos/2024/", "photos/2025/"])
        self.assertEqual([o["Key"] for o in r["Contents"]], ["photos/top.jpg"])
        self.assertEqual(r["KeyCount"], 3)
        r = self.s3.list_objects_v2(Bucket=b, Delimiter="/", MaxKeys=2)
        self.assertTrue(r["IsTruncated"])
        self.assertEqual(r["KeyCount"], 2)
        r = self.s3.list_objects_v2(Bucket=b, StartAfter="photos/2025/c.jpg", Delimiter="/")
        self.assertEqual([o["Key"] for o in r["Contents"]], ["readme", "z\u00e9 key"])
        # v1 with markers
        pages = self.s3.get_paginator("list_objects").paginate(Bucket=b, PaginationConfig={"PageSize": 4})
        self.assertEqual([o["Key"] for p in pages for o in p.get("Contents", [])], seen)
        pages = self.s3.get_paginator("list_objects").paginate(Bucket=b, Delimiter="/", PaginationConfig={"PageSize": 1})
        prefixes = [c["Prefix"] for p in pages for c in p.get("CommonPrefixes", [])]
        self.assertEqual(prefixes, ["many/", "photos/"])
        # versions of an unversioned bucket
        v = self.s3.list_object_versions(Bucket=b, Prefix="photos/2024/")
        self.assertEqual([(x["Key"], x["VersionId"], x["IsLatest"]) for x in v["Versions"]],
                         [("photos/2024/a.jpg", "null", True), ("photos/2024/b.jpg", "null", True)])

    def test_delete_objects(self):
        b = self.bucket("bulk-delete")
        for i in range(5):
            self.s3.put_object(Bucket=b, Key="k%d" % i, Body=b"x")
        r = self.s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "k0"}, {"Key": "k1"}, {"Key": "never"}]})
        self.assertEqual(sorted(d["Key"] for d in r["Deleted"]), ["k0", "k1", "never"])
        r = self.s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "k2"}], "Quiet": True})
        self.assertNotIn("Deleted", r)
        left = [o["Key"] for o in self.s3.list_objects_v2(Bucket=b)["Contents"]]
        self.assertEqual(left, ["k3", "k4"])

    def test_malformed_xml(self):
        b = self.bucket("malformed")

        def corrupt(request, **kwargs):
            request.data = b"<Delete><Object><Key>k</Key></Object>"  # never closed
            del request.headers["Content-MD5"]

        client = self.cloud.boto3_client("s3")
        client.meta.events.register("before-sign.s3.DeleteObjects", corrupt)
        self.assertS3Error(400, "MalformedXML", client.delete_objects, Bucket=b, Delete={"Objects": [{"Key": "k"}]})

    def test_entity_too_large(self):
        b = self.bucket("too-large")
        with self.assertRaises(botocore.exceptions.ClientError) as ctx:
            self.s3.put_object(Bucket=b, Key="huge", Body=b"\0" * (65 * MiB))
        # The HTTP server stops reading a body over its limit (64 MiB); S3's own error answers.
        self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        self.assertEqual(ctx.exception.response["Error"]["Code"], "EntityTooLarge")
        self.assertS3Error(404, "NoSuchKey", self.s3.get_object, Bucket=b, Key="huge")

    def test_empty_put_keeps_the_connection_in_step(self):
        # botocore 1.29 sends Expect: 100-continue with empty bodies too. When the server answers
        # such a request without an interim 100, botocore keeps a stale status line for the next
        # response on that pooled connection: every later response is attributed to the request
        # before it, so a PUT can look acknowledged before the server has it.
        b = self.bucket("empty-then-full")
        client = self.cloud.boto3_client("s3")
        for i in range(3):
            client.put_object(Bucket=b, Key="empty%d" % i, Body=b"")
            r = client.put_object(Bucket=b, Key="full%d" % i, Body=b"full")
            self.assertEqual(r.get("ETag"), '"%s"' % hashlib.md5(b"full").hexdigest())

    # -- multipart -----------------------------------------------------------------------------
    def test_multipart_upload_file_20mib(self):
        b = self.bucket("multipart-file")
        data = os.urandom(20 * MiB)
        with tempfile.TemporaryDirectory() as tmp:
            src, dst = os.path.join(tmp, "src"), os.path.join(tmp, "dst")
            with open(src, "wb") as f:
                f.write(data)
            cfg = boto3.s3.transfer.TransferConfig(multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB,
                                                   max_concurrency=4)
            self.s3.upload_file(src, b, "movie.bin", Config=cfg)
            head = self.s3.head_object(Bucket=b, Key="movie.bin")
            self.assertEqual(head["ContentLength"], len(data))
            md5s = b"".join(hashlib.md5(data[i:i + 5 * MiB]).digest() for i in range(0, len(data), 5 * MiB))
            self.assertEqual(head["ETag"], '"%s-4"' % hashlib.md5(md5s).hexdigest())
            self.s3.download_file(b, "movie.bin", dst, Config=cfg)  # ranged GETs in parallel
            with open(dst, "rb") as f:
                self.assertEqual(f.read(), data)

    def test_multipart_explicit_calls_and_errors(self):
        b = self.bucket("multipart-api")
        up = self.s3.create_multipart_upload(Bucket=b, Key="k", ContentType="video/mp4", Metadata={"m": "1"})
        uid = up["UploadId"]
        parts = [payload("p1", 5 * MiB), payload("p2", 5 * MiB), b"tail"]
        etags = [self.s3.upload_part(Bucket=b, Key="k", UploadId=uid, PartNumber=i + 1, Body=p)["ETag"]
                 for i, p in enumerate(parts)]
        listed = self.s3.list_parts(Bucket=b, Key="k", UploadId=uid)
        self.assertEqual([(p["PartNumber"], p["ETag"], p["Size"]) for p in listed["Parts"]],
                         [(i + 1, etags[i], len(parts[i])) for i in range(3)])
        uploads = self.s3.list_multipart_uploads(Bucket=b)
        self.assertEqual([u["UploadId"] for u in uploads["Uploads"]], [uid])
        ordered = [{"PartNumber": i + 1, "ETag": etags[i]} for i in range(3)]
        self.assertS3Error(400, "InvalidPartOrder", self.s3.complete_multipart_upload, Bucket=b, Key="k",
                           UploadId=uid, MultipartUpload={"Parts": list(reversed(ordered))})
        self.assertS3Error(400, "InvalidPart", self.s3.complete_multipart_upload, Bucket=b, Key="k", UploadId=uid,
                           MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"%s"' % ("0" * 32)}]})
        done = self.s3.complete_multipart_upload(Bucket=b, Key="k", UploadId=uid, MultipartUpload={"Parts": ordered})
        self.assertTrue(done["ETag"].endswith('-3"'))
        got = self.s3.get_object(Bucket=b, Key="k")
        self.assertEqual(got["Body"].read(), b"".join(parts))
        self.assertEqual((got["ContentType"], got["Metadata"]), ("video/mp4", {"m": "1"}))
        self.assertS3Error(404, "NoSuchUpload", self.s3.list_parts, Bucket=b, Key="k", UploadId=uid)
        # Abort cleans up.
        uid2 = self.s3.create_multipart_upload(Bucket=b, Key="gone")["UploadId"]
        self.s3.upload_part(Bucket=b, Key="gone", UploadId=uid2, PartNumber=1, Body=b"x")
        self.s3.abort_multipart_upload(Bucket=b, Key="gone", UploadId=uid2)
        self.assertS3Error(404, "NoSuchUpload", self.s3.abort_multipart_upload, Bucket=b, Key="gone", UploadId=uid2)
        self.assertNotIn("Uploads", self.s3.list_multipart_uploads(Bucket=b))

    # -- notifications -------------------------------------------------------------------------
    def test_notification_configuration(self):
        b = self.bucket("notified")
        self.assertNotIn("LambdaFunctionConfigurations", self.s3.get_bucket_notification_configuration(Bucket=b))
        config = {
            "LambdaFunctionConfigurations": [{
                "Id": "recognise", "LambdaFunctionArn": "arn:aws:lambda:us-east-1:000000000000:function:recognise",
                "Events": ["s3:ObjectCreated:*"],
                "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "clips/"},
                                                    {"Name": "suffix", "Value": ".mp4"}]}}}],
            "QueueConfigurations": [{
                "Id": "q", "QueueArn": "arn:aws:sqs:us-east-1:000000000000:results",
                "Events": ["s3:ObjectCreated:Put", "s3:ObjectRemoved:*"]}],
        }
        self.s3.put_bucket_notification_configuration(Bucket=b, NotificationConfiguration=config)
        got = self.s3.get_bucket_notification_configuration(Bucket=b)
        self.assertEqual(got["LambdaFunctionConfigurations"], config["LambdaFunctionConfigurations"])
        self.assertEqual(got["QueueConfigurations"], config["QueueConfigurations"])
        bad = {"QueueConfigurations": [{"QueueArn": "arn:aws:sqs:us-east-1:000000000000:q", "Events": ["s3:Bogus"]}]}
        self.assertS3Error(400, "InvalidArgument", self.s3.put_bucket_notification_configuration, Bucket=b,
                           NotificationConfiguration=bad)
        self.assertS3Error(404, "NoSuchBucket", self.s3.put_bucket_notification_configuration, Bucket="no-such",
                           NotificationConfiguration=config)

    def test_presigned_get(self):
        b = self.bucket("presigned")
        self.s3.put_object(Bucket=b, Key="shared file.txt", Body=b"shared")
        # boto3 1.26 presigns S3 with SigV2 unless told otherwise; we verify SigV4 only.
        signer = self.cloud.boto3_client("s3", signature_version="s3v4")
        url = signer.generate_presigned_url("get_object", Params={"Bucket": b, "Key": "shared file.txt"})
        with urllib.request.urlopen(url, timeout=10) as r:
            self.assertEqual(r.read(), b"shared")

    # -- AWS CLI -------------------------------------------------------------------------------
    def test_aws_cli_s3_and_s3api(self):
        aws = self.cloud.aws
        self.assertEqual(aws("s3", "mb", "s3://cli-bucket").returncode, 0)
        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(tmp, "src")
            os.makedirs(os.path.join(src, "sub dir"))
            files = {"a.txt": b"alpha", "sub dir/b.bin": os.urandom(9 * MiB)}  # 9 MiB: the CLI goes multipart
            for name, data in files.items():
                with open(os.path.join(src, name), "wb") as f:
                    f.write(data)
            r = aws("s3", "cp", os.path.join(src, "a.txt"), "s3://cli-bucket/one/a.txt")
            self.assertEqual(r.returncode, 0, r.stderr)
            r = aws("s3", "sync", src, "s3://cli-bucket/tree")
            self.assertEqual(r.returncode, 0, r.stderr)
            r = aws("s3", "ls", "--recursive", "s3://cli-bucket")
            self.assertIn("tree/sub dir/b.bin", r.stdout)
            self.assertIn("one/a.txt", r.stdout)
            dst = os.path.join(tmp, "dst")
            r = aws("s3", "sync", "s3://cli-bucket/tree", dst)
            self.assertEqual(r.returncode, 0, r.stderr)
            for name, data in files.items():
                with open(os.path.join(dst, name), "rb") as f:
                    self.assertEqual(f.read(), data, name)
            r = aws("s3api", "head-object", "--bucket", "cli-bucket", "--key", "one/a.txt")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn('"ContentLength": 5', r.stdout)
            r = aws("s3api", "get-object", "--bucket", "cli-bucket", "--key", "nope", os.path.join(tmp, "x"))
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("NoSuchKey", r.stderr)
            r = aws("s3", "rm", "--recursive", "s3://cli-bucket")
            self.assertEqual(r.returncode, 0, r.stderr)
            r = aws("s3", "rb", "s3://cli-bucket")
            self.assertEqual(r.returncode, 0, r.stderr)


class S3BodyLimitTest(unittest.TestCase):
    """A body over the server's limit is S3's EntityTooLarge error, and the server goes on."""

    def test_put_over_the_limit_is_entity_too_large(self):
        with CloudServer(extra_args=["--max-body-mb", "1"]) as cloud:
            s3 = cloud.boto3_client("s3")
            s3.create_bucket(Bucket="limits")
            with self.assertRaises(botocore.exceptions.ClientError) as cm:
                s3.put_object(Bucket="limits", Key="big", Body=b"x" * (1024 * 1024 + 1))
            err = cm.exception.response
            self.assertEqual(err["Error"]["Code"], "EntityTooLarge")
            self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 400)
            # Nothing was stored, and the next request (on a fresh connection) works.
            s3.put_object(Bucket="limits", Key="small", Body=b"y" * 1024)
            keys = [o["Key"] for o in s3.list_objects_v2(Bucket="limits").get("Contents", [])]
            self.assertEqual(keys, ["small"])


class S3DurabilityTest(unittest.TestCase):
    """kill -9 while clients write: every acknowledged object survives, no partial object shows."""

    def test_kill9_during_puts(self):
        with CloudServer() as cloud:
            cloud.boto3_client("s3").create_bucket(Bucket="durable")
            acked = {}
            rng = random.Random(1234)
            for round_no in range(3):
                stop = threading.Event()
                lock = threading.Lock()

                def writer(tid, endpoint_client):
                    i = 0
                    while not stop.is_set():
                        # No empty bodies here: see test_empty_put_keeps_the_connection_in_step.
                        size = rng.choice([1, 1000, 64 * 1024, 300 * 1024, 2 * MiB])
                        key = "r%d/t%d/%05d-%d" % (round_no, tid, i, size)
                        try:
                            endpoint_client.put_object(Bucket="durable", Key=key, Body=payload(key, size))
                        except Exception:
                            return  # the server died under us: this put was not acknowledged
                        with lock:
                            acked[key] = size
                        i += 1

                threads = [threading.Thread(target=writer, args=(t, cloud.boto3_client("s3"))) for t in range(3)]
                for t in threads:
                    t.start()
                time.sleep(rng.uniform(0.5, 1.5))
                cloud.kill9()
                stop.set()
                for t in threads:
                    t.join(30)
                cloud.restart()
                s3 = cloud.boto3_client("s3")
                listed = {}
                for page in s3.get_paginator("list_objects_v2").paginate(Bucket="durable"):
                    for o in page.get("Contents", []):
                        listed[o["Key"]] = o["Size"]
                missing = [k for k in acked if k not in listed]
                for k in missing:  # say whether the object is gone or only the listing missed it
                    try:
                        s3.head_object(Bucket="durable", Key=k)
                        print("listing missed", k)
                    except botocore.exceptions.ClientError as e:
                        import sqlite3
                        db = sqlite3.connect(os.path.join(cloud.data_dir, "s3", "meta.db"))
                        print("lost", k, e.response["Error"], db.execute(
                            "SELECT key, size FROM objects WHERE key LIKE ?", (k.rsplit("/", 1)[0] + "%",)).fetchall())
                self.assertEqual(missing, [], "acknowledged objects lost after kill -9")
                # Everything listed (acknowledged or caught mid-flight) is whole.
                for key, size in listed.items():
                    want = payload(key, int(key.rsplit("-", 1)[1]))
                    self.assertEqual(size, len(want), key)
                    self.assertEqual(s3.get_object(Bucket="durable", Key=key)["Body"].read(), want, key)
                self.assertEqual(os.listdir(os.path.join(cloud.data_dir, "s3", "tmp")), [])
            self.assertGreater(len(acked), 20)


if __name__ == "__main__":
    unittest.main()

"""The whole `edgeface cloud` process with real clients: start/stop, signatures as boto3 and the
AWS CLI make them, error formats for wrong keys, malformed HTTP, and the harness itself."""
import datetime
import hashlib
import hmac
import os
import signal
import socket
import subprocess
import tempfile
import unittest
import urllib.request

from botocore.exceptions import ClientError

from cloud_harness import CloudServer, edgeface_bin


def raw_http(endpoint, data, timeout=5):
    host, port = endpoint.replace("http://", "").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as s:
        s.sendall(data)
        out = b""
        while True:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            out += chunk
        return out


def _hmac(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def streaming_put(endpoint, path, data, chunk=65536, tamper=False, truncate=0, secret="test"):
    """An S3 PUT with aws-chunked STREAMING-AWS4-HMAC-SHA256-PAYLOAD, signed here in Python from
    the SigV4 documentation (independently of our C++ signer). Returns the raw HTTP response."""
    host = endpoint.replace("http://", "")
    now = datetime.datetime.utcnow()
    amz_date, date = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    scope = "%s/us-east-1/s3/aws4_request" % date
    headers = {"content-encoding": "aws-chunked", "host": host, "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
               "x-amz-date": amz_date, "x-amz-decoded-content-length": str(len(data))}
    names = sorted(headers)
    creq = "\n".join(["PUT", path, "", "".join("%s:%s\n" % (n, headers[n]) for n in names), ";".join(names),
                       "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"])
    sts = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(creq.encode()).hexdigest()])
    key = _hmac(_hmac(_hmac(_hmac(("AWS4" + secret).encode(), date), "us-east-1"), "s3"), "aws4_request")
    seed = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
    empty = hashlib.sha256(b"").hexdigest()
    body, prev, pos = b"", seed, 0
    while True:
        piece = data[pos:pos + chunk]
        sts = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, prev, empty, hashlib.sha256(piece).hexdigest()])
        prev = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
        body += b"%x;chunk-signature=%s\r\n%s\r\n" % (len(piece), prev.encode(), piece)
        if not piece:
            break
        pos += len(piece)
    if tamper:
        body = body.replace(b"\r\n" + data[:8], b"\r\n" + bytes([data[0] ^ 1]) + data[1:8], 1)
    if truncate:
        body = body[:-truncate]
    auth = "AWS4-HMAC-SHA256 Credential=test/%s, SignedHeaders=%s, Signature=%s" % (scope, ";".join(names), seed)
    head = "PUT %s HTTP/1.1\r\n" % path + "".join("%s: %s\r\n" % (n, headers[n]) for n in names)
    head += "Authorization: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % (auth, len(body))
    return raw_http(endpoint, head.encode() + body, timeout=10)


class ProcessTest(unittest.TestCase):
    def test_ready_line_and_sigterm_exit_0(self):
        with CloudServer() as cloud:
            self.assertRegex(cloud.endpoint, r"^http://127\.0\.0\.1:\d+$")
            self.assertEqual(cloud.stop(), 0)

    def test_sigint_exit_0(self):
        with CloudServer() as cloud:
            cloud.proc.send_signal(signal.SIGINT)
            self.assertEqual(cloud.proc.wait(10), 0)

    def test_sigterm_with_pending_long_polls_exits_0(self):
        # Replies held by a service (SQS long polls) must not outlive the server's I/O context.
        import threading
        with CloudServer() as cloud:
            sqs = cloud.boto3_client("sqs")
            url = sqs.create_queue(QueueName="long-poll")["QueueUrl"]
            pollers = [threading.Thread(target=lambda: self._poll(sqs, url)) for _ in range(3)]
            for t in pollers:
                t.start()
            import time
            time.sleep(0.5)
            self.assertEqual(cloud.stop(), 0)
            for t in pollers:
                t.join(30)

    def test_sigterm_answers_pending_long_polls_with_no_messages(self):
        # A client in ReceiveMessage(WaitTimeSeconds=20) gets an empty answer, not a closed
        # connection, when the cloud stops.
        import threading
        import time
        with CloudServer() as cloud:
            sqs = cloud.boto3_client("sqs", read_timeout=30)
            url = sqs.create_queue(QueueName="stop-answers")["QueueUrl"]
            outcomes = []

            def poll():
                try:
                    r = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20)
                    outcomes.append(("answer", r.get("Messages", [])))
                except Exception as e:  # noqa: BLE001 - what the client saw is the result
                    outcomes.append(("error", repr(e)))

            pollers = [threading.Thread(target=poll) for _ in range(2)]
            for t in pollers:
                t.start()
            time.sleep(0.7)  # both are parked on the queue
            started = time.monotonic()
            self.assertEqual(cloud.stop(), 0)
            for t in pollers:
                t.join(10)
            self.assertEqual(outcomes, [("answer", []), ("answer", [])])
            self.assertLess(time.monotonic() - started, 10)

    @staticmethod
    def _poll(sqs, url):
        try:
            sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20)
        except Exception:
            pass  # the server went away, as intended

    def test_help_names_the_default_data_dir(self):
        out = subprocess.run([edgeface_bin(), "cloud", "--help"], capture_output=True, text=True, timeout=10)
        self.assertEqual(out.returncode, 0)
        self.assertIn(".edgeface-data", out.stdout)

    def test_port_in_use_is_a_clear_error(self):
        with CloudServer() as cloud:
            port = cloud.endpoint.rsplit(":", 1)[1]
            with tempfile.TemporaryDirectory() as d:
                out = subprocess.run([edgeface_bin(), "cloud", "--port", port, "--data", d],
                                     capture_output=True, text=True, timeout=10)
            self.assertEqual(out.returncode, 1)
            self.assertIn("cannot listen", out.stderr)

    def test_a_second_cloud_on_the_same_data_dir_is_refused_and_the_first_goes_on(self):
        with CloudServer() as cloud:
            out = subprocess.run([edgeface_bin(), "cloud", "--port", "0", "--data", cloud.data_dir],
                                 capture_output=True, text=True, timeout=10)
            self.assertEqual(out.returncode, 1)
            self.assertIn("in use by another process", out.stderr)
            self.assertIn(cloud.data_dir, out.stderr)
            s3 = cloud.boto3_client("s3")
            s3.create_bucket(Bucket="still-serving")
            self.assertIn("still-serving", [b["Name"] for b in s3.list_buckets()["Buckets"]])

    def test_bad_option_exits_2(self):
        out = subprocess.run([edgeface_bin(), "cloud", "--bogus"], capture_output=True, text=True, timeout=10)
        self.assertEqual(out.returncode, 2)


class AuthTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cloud = CloudServer().__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.cloud.__exit__(None, None, None)

    def test_wrong_secret_is_refused_in_each_services_format(self):
        s3 = self.cloud.boto3_client("s3", secret_key="wrong")
        with self.assertRaises(ClientError) as e:
            s3.list_buckets()
        self.assertEqual(e.exception.response["Error"]["Code"], "SignatureDoesNotMatch")
        self.assertEqual(e.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)

        ddb = self.cloud.boto3_client("dynamodb", secret_key="wrong")
        with self.assertRaises(ClientError) as e:
            ddb.list_tables()
        self.assertEqual(e.exception.response["Error"]["Code"], "InvalidSignatureException")

        sqs = self.cloud.boto3_client("sqs", access_key="nobody")
        with self.assertRaises(ClientError) as e:
            sqs.list_queues()
        self.assertEqual(e.exception.response["Error"]["Code"], "InvalidClientTokenId")

    def test_right_keys_work_with_boto3(self):
        s3 = self.cloud.boto3_client("s3")
        s3.create_bucket(Bucket="auth-ok")
        s3.put_object(Bucket="auth-ok", Key="dir/a b+c.txt", Body=b"hello")
        self.assertEqual(s3.get_object(Bucket="auth-ok", Key="dir/a b+c.txt")["Body"].read(), b"hello")
        self.assertIn("TableNames", self.cloud.boto3_client("dynamodb").list_tables())
        self.cloud.boto3_client("sqs").list_queues()

    def test_presigned_urls_work_and_tampered_ones_do_not(self):
        self.cloud.boto3_client("s3").create_bucket(Bucket="presign")
        self.cloud.boto3_client("s3").put_object(Bucket="presign", Key="k.txt", Body=b"presigned body")
        # boto3 1.26 presigns S3 with SigV2 by default; s3v4 gives X-Amz-* SigV4 query auth.
        for signature_version in (None, "s3v4"):
            s3 = self.cloud.boto3_client("s3", signature_version=signature_version)
            url = s3.generate_presigned_url("get_object", Params={"Bucket": "presign", "Key": "k.txt"}, ExpiresIn=60)
            self.assertEqual(urllib.request.urlopen(url, timeout=10).read(), b"presigned body", url)
            with self.assertRaises(urllib.error.HTTPError) as e:
                urllib.request.urlopen(url.replace("k.txt", "other.txt"), timeout=10)
            self.assertEqual(e.exception.code, 403)
            self.assertIn(b"SignatureDoesNotMatch", e.exception.read())

    def test_aws_cli_s3_cp_10mb_round_trip_with_signatures_checked(self):
        # CLI 2.9.19 over http signs the payload hash (x-amz-content-sha256) and sends
        # Expect: 100-continue; 10 MB crosses its 8 MB multipart threshold.
        with tempfile.TemporaryDirectory() as d:
            src = os.path.join(d, "ten.bin")
            data = os.urandom(10 * 1024 * 1024)
            with open(src, "wb") as f:
                f.write(data)
            self.cloud.aws("s3", "mb", "s3://cli-cp", check=True)
            self.cloud.aws("s3", "cp", src, "s3://cli-cp/ten.bin", check=True)
            back = os.path.join(d, "back.bin")
            self.cloud.aws("s3", "cp", "s3://cli-cp/ten.bin", back, check=True)
            with open(back, "rb") as f:
                self.assertEqual(hashlib.sha256(f.read()).hexdigest(), hashlib.sha256(data).hexdigest())
            bad = self.cloud.aws("s3", "ls", "s3://cli-cp", secret_key="wrong")
            self.assertNotEqual(bad.returncode, 0)
            self.assertIn("SignatureDoesNotMatch", bad.stderr)

    def test_aws_chunked_upload_with_chunk_signatures(self):
        s3 = self.cloud.boto3_client("s3")
        s3.create_bucket(Bucket="chunked")
        data = os.urandom(300 * 1024)
        self.assertTrue(streaming_put(self.cloud.endpoint, "/chunked/good.bin", data).startswith(b"HTTP/1.1 200"))
        self.assertEqual(s3.get_object(Bucket="chunked", Key="good.bin")["Body"].read(), data)

        tampered = streaming_put(self.cloud.endpoint, "/chunked/tampered.bin", data, tamper=True)
        self.assertTrue(tampered.startswith(b"HTTP/1.1 403"), tampered[:200])
        self.assertIn(b"SignatureDoesNotMatch", tampered)
        truncated = streaming_put(self.cloud.endpoint, "/chunked/truncated.bin", data, truncate=1000)
        self.assertTrue(truncated.startswith(b"HTTP/1.1 400"), truncated[:200])
        self.assertIn(b"IncompleteBody", truncated)
        wrong_key = streaming_put(self.cloud.endpoint, "/chunked/wrong.bin", data, secret="nope")
        self.assertTrue(wrong_key.startswith(b"HTTP/1.1 403"), wrong_key[:200])
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket="chunked").get("Contents", [])]
        self.assertEqual(keys, ["good.bin"])  # nothing of the refused uploads was stored

    def test_malformed_http_is_400_and_the_server_keeps_serving(self):
        self.assertTrue(raw_http(self.cloud.endpoint, b"NOT HTTP AT ALL\r\n\r\n").startswith(b"HTTP/1.1 400"))
        self.assertTrue(raw_http(self.cloud.endpoint, b"GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n").startswith(b"HTTP/1.1 400"))
        self.assertIn("TableNames", self.cloud.boto3_client("dynamodb").list_tables())


class NoAuthTest(unittest.TestCase):
    def test_no_auth_accepts_any_key(self):
        with CloudServer(no_auth=True) as cloud:
            s3 = cloud.boto3_client("s3", access_key="anything", secret_key="whatever")
            s3.create_bucket(Bucket="noauth")
            self.assertIn("noauth", [b["Name"] for b in s3.list_buckets()["Buckets"]])


class HarnessTest(unittest.TestCase):
    def test_kill9_and_restart_keep_the_data_dir(self):
        with CloudServer() as cloud:
            s3 = cloud.boto3_client("s3")
            s3.create_bucket(Bucket="survives")
            s3.put_object(Bucket="survives", Key="k", Body=b"acknowledged")
            pid = cloud.pid
            cloud.kill9()
            with self.assertRaises(ProcessLookupError):
                os.kill(pid, 0)
            cloud.restart()
            s3 = cloud.boto3_client("s3")
            self.assertEqual(s3.get_object(Bucket="survives", Key="k")["Body"].read(), b"acknowledged")
            data_dir = cloud.data_dir
        self.assertFalse(os.path.exists(data_dir))  # the harness cleans up its own temp dir


if __name__ == "__main__":
    unittest.main()

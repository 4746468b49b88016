"""SQS of `edgeface cloud` driven by the real clients: Debian's boto3 1.26 and AWS CLI 2.9 (query
protocol), raw JSON 1.0 requests signed with botocore's SigV4 signer, and a kill -9 of the server.

Run by CTest (edgeface_pytest) with /usr/bin/python3; needs build/bin/edgeface.
"""
import base64
import hashlib
import json
import struct
import threading
import time
import unittest
import urllib.error
import urllib.request

import botocore.auth
import botocore.awsrequest
import botocore.credentials
from botocore.exceptions import ClientError

from cloud_harness import CloudServer


def md5_of_attributes(attributes):
    """MD5OfMessageAttributes as AWS defines it, written independently of the server."""
    out = b""
    for name in sorted(attributes):
        value = attributes[name]
        data_type = value["DataType"]
        out += struct.pack(">I", len(name.encode())) + name.encode()
        out += struct.pack(">I", len(data_type.encode())) + data_type.encode()
        if data_type.startswith("Binary"):
            raw = value["BinaryValue"]
            out += b"\x02" + struct.pack(">I", len(raw)) + raw
        else:
            raw = value["StringValue"].encode()
            out += b"\x01" + struct.pack(">I", len(raw)) + raw
    return hashlib.md5(out).hexdigest()


ATTRIBUTES = {
    "City": {"DataType": "String", "StringValue": "Any City"},
    "Population": {"DataType": "Number", "StringValue": "1250800"},
    "Greeting": {"DataType": "Binary", "BinaryValue": b"\x00Hello\xff"},
    "Colour": {"DataType": "String.rgb", "StringValue": "ünïcødé"},
}


class SqsBoto3Test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cloud = CloudServer().__enter__()
        cls.sqs = cls.cloud.boto3_client("sqs")

    @classmethod
    def tearDownClass(cls):
        cls.cloud.__exit__(None, None, None)

    def queue(self, name, **attributes):
        return self.sqs.create_queue(QueueName=name, Attributes={k: str(v) for k, v in attributes.items()})["QueueUrl"]

    def test_queue_lifecycle(self):
        url = self.queue("life-one", VisibilityTimeout=45)
        self.assertTrue(url.endswith("/000000000000/life-one"), url)
        self.assertEqual(self.sqs.create_queue(QueueName="life-one", Attributes={"VisibilityTimeout": "45"})["QueueUrl"], url)
        with self.assertRaises(ClientError) as err:
            self.sqs.create_queue(QueueName="life-one", Attributes={"VisibilityTimeout": "46"})
        self.assertEqual(err.exception.response["Error"]["Code"], "QueueAlreadyExists")
        self.queue("life-two")
        self.assertEqual(self.sqs.get_queue_url(QueueName="life-one")["QueueUrl"], url)
        urls = self.sqs.list_queues(QueueNamePrefix="life-")["QueueUrls"]
        self.assertEqual(sorted(u.rsplit("/", 1)[1] for u in urls), ["life-one", "life-two"])

        attrs = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        self.assertEqual(attrs["VisibilityTimeout"], "45")
        self.assertEqual(attrs["QueueArn"], "arn:aws:sqs:us-east-1:000000000000:life-one")
        self.assertEqual(attrs["ApproximateNumberOfMessages"], "0")
        self.sqs.set_queue_attributes(QueueUrl=url, Attributes={"DelaySeconds": "2", "MessageRetentionPeriod": "3600"})
        attrs = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["DelaySeconds", "MessageRetentionPeriod"])
        self.assertEqual(attrs["Attributes"], {"DelaySeconds": "2", "MessageRetentionPeriod": "3600"})

        self.sqs.tag_queue(QueueUrl=url, Tags={"team": "edge", "env": "test"})
        self.sqs.untag_queue(QueueUrl=url, TagKeys=["env"])
        self.assertEqual(self.sqs.list_queue_tags(QueueUrl=url)["Tags"], {"team": "edge"})

        self.sqs.send_message(QueueUrl=url, MessageBody="x", DelaySeconds=0)
        self.sqs.purge_queue(QueueUrl=url)
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=url))
        self.sqs.delete_queue(QueueUrl=url)
        with self.assertRaises(self.sqs.exceptions.QueueDoesNotExist):
            self.sqs.get_queue_url(QueueName="life-one")
        with self.assertRaises(ClientError) as err:
            self.sqs.send_message(QueueUrl=url, MessageBody="x")
        self.assertEqual(err.exception.response["Error"]["Code"], "AWS.SimpleQueueService.NonExistentQueue")

    def test_fifo_is_refused_clearly(self):
        with self.assertRaises(ClientError) as err:
            self.sqs.create_queue(QueueName="orders.fifo", Attributes={"FifoQueue": "true"})
        self.assertEqual(err.exception.response["Error"]["Code"], "AWS.SimpleQueueService.UnsupportedOperation")
        self.assertIn("FIFO", err.exception.response["Error"]["Message"])

    def test_message_attributes_and_md5s(self):
        url = self.queue("attrs")
        sent = self.sqs.send_message(QueueUrl=url, MessageBody="héllo wörld", MessageAttributes=ATTRIBUTES)
        self.assertEqual(sent["MD5OfMessageBody"], hashlib.md5("héllo wörld".encode()).hexdigest())
        self.assertEqual(sent["MD5OfMessageAttributes"], md5_of_attributes(ATTRIBUTES))

        got = self.sqs.receive_message(QueueUrl=url, AttributeNames=["All"], MessageAttributeNames=["All"])
        (m,) = got["Messages"]
        self.assertEqual(m["Body"], "héllo wörld")
        self.assertEqual(m["MessageId"], sent["MessageId"])
        self.assertEqual(m["MD5OfBody"], sent["MD5OfMessageBody"])
        self.assertEqual(m["MessageAttributes"]["Greeting"]["BinaryValue"], b"\x00Hello\xff")
        self.assertEqual(m["MessageAttributes"]["Colour"], {"DataType": "String.rgb", "StringValue": "ünïcødé"})
        self.assertEqual(m["MD5OfMessageAttributes"], md5_of_attributes(m["MessageAttributes"]))
        self.assertEqual(m["MD5OfMessageAttributes"], sent["MD5OfMessageAttributes"])
        self.assertEqual(m["Attributes"]["ApproximateReceiveCount"], "1")
        self.assertEqual(m["Attributes"]["SenderId"], "test")
        self.assertTrue(int(m["Attributes"]["SentTimestamp"]) > 1_600_000_000_000)
        self.sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)

        # Only the attributes asked for, and the digest of just those.
        again = self.sqs.receive_message(QueueUrl=url, MessageAttributeNames=["City", "Pop.*"])  # "Pop.*" selects "Pop.<x>", not "Population"
        (m2,) = again["Messages"]
        self.assertEqual(set(m2["MessageAttributes"]), {"City"})
        self.assertEqual(m2["MD5OfMessageAttributes"], md5_of_attributes({"City": ATTRIBUTES["City"]}))
        self.assertNotEqual(m2["ReceiptHandle"], m["ReceiptHandle"])
        self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m2["ReceiptHandle"])
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=url, VisibilityTimeout=0))

        with self.assertRaises(ClientError) as err:
            self.sqs.send_message(QueueUrl=url, MessageBody="x",
                                  MessageAttributes={"n": {"DataType": "Number", "StringValue": "one"}})
        self.assertEqual(err.exception.response["Error"]["Code"], "InvalidParameterValue")

    def test_batches(self):
        url = self.queue("batch")
        entries = [{"Id": "m%d" % i, "MessageBody": "body %d" % i,
                    "MessageAttributes": {"i": {"DataType": "Number", "StringValue": str(i)}}} for i in range(9)]
        entries.append({"Id": "bad", "MessageBody": "x", "DelaySeconds": 901})
        r = self.sqs.send_message_batch(QueueUrl=url, Entries=entries)
        self.assertEqual(len(r["Successful"]), 9)
        self.assertEqual([f["Id"] for f in r["Failed"]], ["bad"])
        self.assertTrue(r["Failed"][0]["SenderFault"])
        for s in r["Successful"]:
            i = int(s["Id"][1:])
            self.assertEqual(s["MD5OfMessageBody"], hashlib.md5(b"body %d" % i).hexdigest())
            self.assertEqual(s["MD5OfMessageAttributes"], md5_of_attributes(entries[i]["MessageAttributes"]))
        with self.assertRaises(self.sqs.exceptions.BatchEntryIdsNotDistinct):
            self.sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "1"}, {"Id": "a", "MessageBody": "2"}])
        with self.assertRaises(self.sqs.exceptions.TooManyEntriesInBatchRequest):
            self.sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "e%d" % i, "MessageBody": "1"} for i in range(11)])

        received = []
        while len(received) < 9:
            got = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
            self.assertTrue(got, "messages went missing")
            self.assertLessEqual(len(got), 10)
            received += got
        self.assertEqual(sorted(m["Body"] for m in received), sorted("body %d" % i for i in range(9)))
        handles = [{"Id": "h%d" % i, "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(received)]
        r = self.sqs.change_message_visibility_batch(
            QueueUrl=url, Entries=[dict(h, VisibilityTimeout=60) for h in handles[:2]])
        self.assertEqual(len(r["Successful"]), 2)
        r = self.sqs.delete_message_batch(QueueUrl=url, Entries=handles + [{"Id": "junk", "ReceiptHandle": "not-a-handle"}])
        self.assertEqual(len(r["Successful"]), 9)
        self.assertEqual(r["Failed"][0]["Code"], "ReceiptHandleIsInvalid")
        attrs = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        self.assertEqual((attrs["ApproximateNumberOfMessages"], attrs["ApproximateNumberOfMessagesNotVisible"]), ("0", "0"))

    def test_resource_api(self):
        import boto3
        sqs = boto3.session.Session().resource(
            "sqs", endpoint_url=self.cloud.endpoint, region_name="us-east-1",
            aws_access_key_id="test", aws_secret_access_key="test")
        queue = sqs.create_queue(QueueName="resource", Attributes={"VisibilityTimeout": "10"})
        self.assertEqual(queue.attributes["VisibilityTimeout"], "10")
        queue.send_message(MessageBody="via resource", MessageAttributes={"k": {"DataType": "String", "StringValue": "v"}})
        (m,) = queue.receive_messages(MessageAttributeNames=["All"], WaitTimeSeconds=1)
        self.assertEqual(m.body, "via resource")
        self.assertEqual(m.message_attributes["k"]["StringValue"], "v")
        m.delete()
        self.assertEqual(sqs.get_queue_by_name(QueueName="resource").url, queue.url)
        self.assertIn(queue.url, [q.url for q in sqs.queues.filter(QueueNamePrefix="res")])
        queue.delete()

    def test_long_poll_returns_when_a_message_is_sent(self):
        url = self.queue("longpoll")
        receiver = self.cloud.boto3_client("sqs")
        result = {}

        def receive():
            result["r"] = receiver.receive_message(QueueUrl=url, WaitTimeSeconds=5)

        t = threading.Thread(target=receive)
        t.start()
        time.sleep(0.5)  # let the receive park; the message must reach it, whenever it arrives
        self.sqs.send_message(QueueUrl=url, MessageBody="ping")
        t.join(30)
        self.assertFalse(t.is_alive())
        self.assertEqual([m["Body"] for m in result["r"]["Messages"]], ["ping"])

    def test_long_poll_on_an_empty_queue_returns_empty(self):
        url = self.queue("longpoll-empty", ReceiveMessageWaitTimeSeconds=1)
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1))
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=url))  # the queue's default wait

    def test_many_concurrent_long_polls(self):
        url = self.queue("longpoll-many")
        clients = [self.cloud.boto3_client("sqs") for _ in range(8)]
        bodies = []
        lock = threading.Lock()

        def receive(c):
            r = c.receive_message(QueueUrl=url, WaitTimeSeconds=3)
            with lock:
                bodies.extend(m["Body"] for m in r.get("Messages", []))

        threads = [threading.Thread(target=receive, args=(c,)) for c in clients]
        for t in threads:
            t.start()
        time.sleep(0.3)
        for i in range(5):
            self.sqs.send_message(QueueUrl=url, MessageBody="m%d" % i)
        for t in threads:
            t.join(30)
        leftover = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        self.assertEqual(sorted(bodies + [m["Body"] for m in leftover]), ["m%d" % i for i in range(5)])
        self.assertGreater(len(bodies), 0)

    def test_redrive_to_dead_letter_queue(self):
        dlq = self.queue("poison-dlq")
        dlq_arn = self.sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        src = self.queue("poison-src", VisibilityTimeout=0,
                         RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"}))
        self.sqs.send_message(QueueUrl=src, MessageBody="poison")
        for expected_count in ("1", "2"):
            (m,) = self.sqs.receive_message(QueueUrl=src, AttributeNames=["ApproximateReceiveCount"])["Messages"]
            self.assertEqual(m["Attributes"]["ApproximateReceiveCount"], expected_count)
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=src))
        (dead,) = self.sqs.receive_message(QueueUrl=dlq)["Messages"]
        self.assertEqual(dead["Body"], "poison")
        self.assertEqual(self.sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"], [src])

    def test_aws_cli(self):
        r = self.cloud.aws("sqs", "create-queue", "--queue-name", "cli-queue", check=True)
        url = json.loads(r.stdout)["QueueUrl"]
        r = self.cloud.aws("sqs", "send-message", "--queue-url", url, "--message-body", "from the cli",
                           "--message-attributes", json.dumps({"k": {"DataType": "String", "StringValue": "v"}}),
                           check=True)
        sent = json.loads(r.stdout)
        self.assertEqual(sent["MD5OfMessageBody"], hashlib.md5(b"from the cli").hexdigest())
        r = self.cloud.aws("sqs", "receive-message", "--queue-url", url, "--message-attribute-names", "All",
                           "--wait-time-seconds", "1", check=True)
        (m,) = json.loads(r.stdout)["Messages"]
        self.assertEqual(m["Body"], "from the cli")
        self.cloud.aws("sqs", "delete-message", "--queue-url", url, "--receipt-handle", m["ReceiptHandle"], check=True)
        r = self.cloud.aws("sqs", "receive-message", "--queue-url", url, "--visibility-timeout", "0", check=True)
        self.assertEqual(r.stdout.strip(), "")
        r = self.cloud.aws("sqs", "get-queue-url", "--queue-name", "no-such-queue")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("NonExistentQueue", r.stderr)

    def json_call(self, op, body):
        """A JSON 1.0 request as newer SDKs send it, signed by botocore's SigV4 signer."""
        data = json.dumps(body).encode()
        request = botocore.awsrequest.AWSRequest(
            method="POST", url=self.cloud.endpoint + "/", data=data,
            headers={"X-Amz-Target": "AmazonSQS." + op, "Content-Type": "application/x-amz-json-1.0",
                     "x-amzn-query-mode": "true"})
        botocore.auth.SigV4Auth(botocore.credentials.Credentials("test", "test"), "sqs", "us-east-1").add_auth(request)
        req = urllib.request.Request(self.cloud.endpoint + "/", data=data, method="POST", headers=dict(request.headers))
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, dict(resp.headers), json.loads(resp.read())
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), json.loads(e.read())

    def test_json_protocol(self):
        status, _, created = self.json_call("CreateQueue", {"QueueName": "json-queue", "Attributes": {"DelaySeconds": "0"}})
        self.assertEqual(status, 200)
        url = created["QueueUrl"]
        attrs = {"b": {"DataType": "Binary", "BinaryValue": base64.b64encode(b"\x01\x02").decode()},
                 "s": {"DataType": "String", "StringValue": "v"}}
        status, _, sent = self.json_call("SendMessage", {"QueueUrl": url, "MessageBody": "json body", "MessageAttributes": attrs})
        self.assertEqual(status, 200)
        expected = {"b": {"DataType": "Binary", "BinaryValue": b"\x01\x02"}, "s": attrs["s"]}
        self.assertEqual(sent["MD5OfMessageAttributes"], md5_of_attributes(expected))
        status, _, got = self.json_call("ReceiveMessage", {"QueueUrl": url, "MaxNumberOfMessages": 5,
                                                           "WaitTimeSeconds": 1, "MessageAttributeNames": ["All"]})
        self.assertEqual(status, 200)
        (m,) = got["Messages"]
        self.assertEqual(m["Body"], "json body")
        self.assertEqual(m["MessageAttributes"]["b"]["BinaryValue"], attrs["b"]["BinaryValue"])
        status, _, _ = self.json_call("DeleteMessage", {"QueueUrl": url, "ReceiptHandle": m["ReceiptHandle"]})
        self.assertEqual(status, 200)
        status, headers, err = self.json_call("GetQueueUrl", {"QueueName": "json-missing"})
        self.assertEqual(status, 400)
        self.assertEqual(err["__type"], "com.amazonaws.sqs#QueueDoesNotExist")
        lowered = {k.lower(): v for k, v in headers.items()}
        self.assertEqual(lowered["x-amzn-query-error"], "AWS.SimpleQueueService.NonExistentQueue;Sender")


class SqsDurabilityTest(unittest.TestCase):
    def test_acknowledged_sends_survive_kill9_and_deletes_stay_deleted(self):
        with CloudServer() as cloud:
            sqs = cloud.boto3_client("sqs")
            url = sqs.create_queue(QueueName="durable", Attributes={"VisibilityTimeout": "0"})["QueueUrl"]
            sent = set()
            for batch in range(5):
                r = sqs.send_message_batch(QueueUrl=url, Entries=[
                    {"Id": str(i), "MessageBody": "m-%d-%d" % (batch, i)} for i in range(10)])
                sent |= {e["MessageId"] for e in r["Successful"]}
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=300)["Messages"]
            deleted = {m["MessageId"] for m in got}
            sqs.delete_message_batch(QueueUrl=url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)])

            cloud.kill9()
            cloud.restart()
            sqs = cloud.boto3_client("sqs")
            url = sqs.get_queue_url(QueueName="durable")["QueueUrl"]
            self.assertEqual(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])
                             ["Attributes"]["VisibilityTimeout"], "0")
            survived = set()
            for _ in range(20):
                r = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=300)
                if "Messages" not in r:
                    break
                survived |= {m["MessageId"] for m in r["Messages"]}
            self.assertEqual(survived, sent - deleted)


if __name__ == "__main__":
    unittest.main()

"""Lambda through the real clients (Debian's boto3 and /usr/bin/aws) against a real
`edgeface cloud`, with functions in three languages: our C++ runtime (`edgeface fn`), AWS's
bash + curl custom-runtime tutorial and a standard-library Python runtime, run unmodified."""
import base64
import json
import os
import shutil
import stat
import tempfile
import time
import unittest

from cloud_harness import CloudServer, edgeface_bin

HERE = os.path.dirname(os.path.abspath(__file__))
TESTDATA = os.path.join(HERE, "testdata")


def copy_function(dst_dir, files):
    """Copies test functions into a task root (as an unzipped deployment package would be)."""
    os.makedirs(dst_dir, exist_ok=True)
    for src, name in files:
        shutil.copy(os.path.join(TESTDATA, src), os.path.join(dst_dir, name))
        if name == "bootstrap":
            os.chmod(os.path.join(dst_dir, name), stat.S_IRWXU)


class LambdaClientsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="edgeface-lambda-py-")
        bash_root = os.path.join(cls.dir, "tasks", "bash")
        py_root = os.path.join(cls.dir, "tasks", "python")
        copy_function(bash_root, [("bash_bootstrap", "bootstrap"), ("function.sh", "function.sh")])
        copy_function(py_root, [("python_bootstrap", "bootstrap"), ("lambda_function.py", "lambda_function.py"),
                                ("sqs_handler.py", "sqs_handler.py")])
        fn = edgeface_bin()
        registry = {
            "Settings": {"AsyncRetryDelaysMs": [100, 200], "IdleTimeoutMs": 30000},
            "Functions": [
                {"FunctionName": "echo", "Command": [fn, "fn", "echo"], "Handler": "echo"},
                {"FunctionName": "probe", "Command": [fn, "fn", "probe"], "Handler": "probe"},
                {"FunctionName": "bash-echo", "Command": [os.path.join(bash_root, "bootstrap")],
                 "Handler": "function.handler"},
                {"FunctionName": "py-echo", "Command": [os.path.join(py_root, "bootstrap")],
                 "Handler": "lambda_function.handler", "MemorySize": 256},
                {"FunctionName": "py-sqs", "Command": [os.path.join(py_root, "bootstrap")],
                 "Handler": "sqs_handler.handler"},
            ],
        }
        os.makedirs(os.path.join(cls.dir, "data", "lambda"))
        with open(os.path.join(cls.dir, "data", "lambda", "functions.json"), "w") as f:
            json.dump(registry, f)
        cls.cloud = CloudServer(data_dir=os.path.join(cls.dir, "data"))
        cls.cloud.start()
        cls.lam = cls.cloud.boto3_client("lambda")

    @classmethod
    def tearDownClass(cls):
        cls.cloud.close()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_boto3_invokes_the_cpp_echo_function_with_tail_logs(self):
        r = self.lam.invoke(FunctionName="echo", Payload=b'{"x": 1}', LogType="Tail")
        self.assertEqual(r["StatusCode"], 200)
        self.assertEqual(json.loads(r["Payload"].read()), {"x": 1})
        self.assertEqual(r["ExecutedVersion"], "$LATEST")
        self.assertNotIn("FunctionError", r)
        log = base64.b64decode(r["LogResult"]).decode()
        self.assertIn("START RequestId:", log)
        self.assertIn("REPORT RequestId:", log)

    def test_aws_cli_invoke_writes_the_response_file(self):
        out = os.path.join(self.dir, "out.json")
        p = self.cloud.aws("lambda", "invoke", "--function-name", "echo", "--cli-binary-format",
                           "raw-in-base64-out", "--payload", '{"from": "cli"}', out)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["StatusCode"], 200)
        with open(out) as f:
            self.assertEqual(json.load(f), {"from": "cli"})

    def test_bash_curl_custom_runtime_from_the_aws_tutorial(self):
        r = self.lam.invoke(FunctionName="bash-echo", Payload=b'{"text":"hi"}', LogType="Tail")
        self.assertEqual(r["StatusCode"], 200)
        self.assertNotIn("FunctionError", r)
        self.assertEqual(r["Payload"].read().decode(), """Echoing request: '{"text":"hi"}'""")
        # The handler echoes the event to stderr, which is the function's log.
        self.assertIn('{"text":"hi"}', base64.b64decode(r["LogResult"]).decode())

    def test_python_standard_library_runtime_and_its_errors(self):
        r = self.lam.invoke(FunctionName="py-echo", Payload=b'{"a": [1, 2]}')
        body = json.loads(r["Payload"].read())
        self.assertEqual(body["got"], {"a": [1, 2]})
        self.assertEqual(body["function"], "py-echo")
        self.assertEqual(body["memory"], "256")
        self.assertEqual(body["endpoint"], self.cloud.endpoint)
        r = self.lam.invoke(FunctionName="py-echo", Payload=b'{"fail": "no such student"}')
        self.assertEqual(r["FunctionError"], "Unhandled")
        err = json.loads(r["Payload"].read())
        self.assertEqual(err["errorType"], "ValueError")
        self.assertEqual(err["errorMessage"], "no such student")

    def test_function_errors_unknown_functions_and_throttling(self):
        r = self.lam.invoke(FunctionName="probe", Payload=b'{"throw": "boom"}')
        self.assertEqual(r["FunctionError"], "Unhandled")
        self.assertEqual(json.loads(r["Payload"].read())["errorMessage"], "boom")
        with self.assertRaises(self.lam.exceptions.ResourceNotFoundException):
            self.lam.invoke(FunctionName="missing", Payload=b"{}")
        self.lam.put_function_concurrency(FunctionName="probe", ReservedConcurrentExecutions=0)
        try:
            with self.assertRaises(self.lam.exceptions.TooManyRequestsException):
                self.lam.invoke(FunctionName="probe", Payload=b"{}")
            self.assertEqual(self.lam.get_function_concurrency(FunctionName="probe")["ReservedConcurrentExecutions"], 0)
        finally:
            self.lam.delete_function_concurrency(FunctionName="probe")
        self.assertEqual(self.lam.invoke(FunctionName="probe", Payload=b"{}")["StatusCode"], 200)

    def test_function_url_serves_payload_format_2_events(self):
        import urllib.request
        created = self.lam.create_function_url_config(FunctionName="py-echo", AuthType="NONE")
        url = self.lam.get_function_url_config(FunctionName="py-echo")["FunctionUrl"]
        self.assertEqual(created["FunctionUrl"], url)
        req = urllib.request.Request(url + "students?id=7", data=b'{"frame": 1}', method="POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            self.assertEqual(r.status, 200)
            body = json.loads(r.read())
        event = body["got"]  # the Python function returns {"got": event, ...}
        self.assertEqual(event["version"], "2.0")
        self.assertEqual(event["rawPath"], "/students")
        self.assertEqual(event["rawQueryString"], "id=7")
        self.assertEqual(event["requestContext"]["http"]["method"], "POST")
        self.assertEqual(json.loads(event["body"]), {"frame": 1})
        self.assertFalse(event["isBase64Encoded"])

    def test_sqs_event_source_mapping_deletes_on_success_and_redrives_failures(self):
        sqs = self.cloud.boto3_client("sqs")
        dlq = sqs.create_queue(QueueName="trigger-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        url = sqs.create_queue(QueueName="trigger-in", Attributes={
            "VisibilityTimeout": "1",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"})})["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        mapping = self.lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="py-sqs", BatchSize=5)
        try:
            listed = self.lam.list_event_source_mappings(FunctionName="py-sqs")["EventSourceMappings"]
            self.assertEqual([m["UUID"] for m in listed], [mapping["UUID"]])
            for body in ("a", "b", "c"):
                sqs.send_message(QueueUrl=url, MessageBody=body)
            deadline = time.time() + 20
            while time.time() < deadline:
                attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
                if attrs["ApproximateNumberOfMessages"] == "0" and attrs["ApproximateNumberOfMessagesNotVisible"] == "0":
                    break
                time.sleep(0.2)
            self.assertEqual(attrs["ApproximateNumberOfMessages"], "0")
            self.assertEqual(attrs["ApproximateNumberOfMessagesNotVisible"], "0")
            # A failing batch stays in the queue and reaches the dead-letter queue after 2 receives.
            sqs.send_message(QueueUrl=url, MessageBody="poison")
            deadline = time.time() + 30
            dead = []
            while not dead and time.time() < deadline:
                dead = sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=1).get("Messages", [])
            self.assertEqual([m["Body"] for m in dead], ["poison"])
        finally:
            self.lam.delete_event_source_mapping(UUID=mapping["UUID"])

    def test_configuration_round_trip(self):
        names = [f["FunctionName"] for f in self.lam.list_functions()["Functions"]]
        self.assertIn("echo", names)
        cfg = self.lam.get_function_configuration(FunctionName="echo")
        self.assertEqual(cfg["FunctionArn"], "arn:aws:lambda:us-east-1:000000000000:function:echo")
        self.lam.update_function_configuration(FunctionName="echo", Timeout=10, MemorySize=512,
                                               Environment={"Variables": {"MODE": "x"}})
        cfg = self.lam.get_function(FunctionName="echo")["Configuration"]
        self.assertEqual((cfg["Timeout"], cfg["MemorySize"]), (10, 512))
        self.assertEqual(cfg["Environment"]["Variables"], {"MODE": "x"})
        self.assertEqual(json.loads(self.lam.invoke(FunctionName="echo", Payload=b"[3]")["Payload"].read()), [3])

    def test_async_failures_are_retried_then_delivered_to_the_sqs_destination(self):
        sqs = self.cloud.boto3_client("sqs")
        url = sqs.create_queue(QueueName="lambda-failures")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.lam.put_function_event_invoke_config(
            FunctionName="probe", MaximumRetryAttempts=2,
            DestinationConfig={"OnFailure": {"Destination": arn}})
        r = self.lam.invoke(FunctionName="probe", InvocationType="Event", Payload=b'{"throw": "async boom"}')
        self.assertEqual(r["StatusCode"], 202)
        request_id = r["ResponseMetadata"]["RequestId"]
        deadline = time.time() + 20
        messages = []
        while not messages and time.time() < deadline:
            messages = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2).get("Messages", [])
        self.assertEqual(len(messages), 1)
        record = json.loads(messages[0]["Body"])
        self.assertEqual(record["requestContext"]["requestId"], request_id)
        self.assertEqual(record["requestContext"]["condition"], "RetriesExhausted")
        self.assertEqual(record["requestContext"]["approximateInvokeCount"], 3)
        self.assertEqual(record["responsePayload"]["errorMessage"], "async boom")


class LambdaDurabilityTest(unittest.TestCase):
    def test_an_acknowledged_event_invocation_survives_kill_9(self):
        tmp = tempfile.mkdtemp(prefix="edgeface-lambda-kill-")
        try:
            os.makedirs(os.path.join(tmp, "lambda"))
            with open(os.path.join(tmp, "lambda", "functions.json"), "w") as f:
                json.dump({"Functions": [{"FunctionName": "probe", "Command": [edgeface_bin(), "fn", "probe"]}]}, f)
            with CloudServer(data_dir=tmp) as cloud:
                sqs = cloud.boto3_client("sqs")
                url = sqs.create_queue(QueueName="lambda-successes")["QueueUrl"]
                arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
                lam = cloud.boto3_client("lambda")
                lam.put_function_event_invoke_config(FunctionName="probe",
                                                     DestinationConfig={"OnSuccess": {"Destination": arn}})
                r = lam.invoke(FunctionName="probe", InvocationType="Event", Payload=b'{"sleep_ms": 1500}')
                request_id = r["ResponseMetadata"]["RequestId"]
                cloud.kill9()  # while the event runs (it sleeps 1.5 s)
                cloud.restart()
                sqs = cloud.boto3_client("sqs")
                url = sqs.get_queue_url(QueueName="lambda-successes")["QueueUrl"]
                deadline = time.time() + 20
                messages = []
                while not messages and time.time() < deadline:
                    messages = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2).get("Messages", [])
                self.assertEqual(len(messages), 1)
                record = json.loads(messages[0]["Body"])
                self.assertEqual(record["requestContext"]["requestId"], request_id)
                self.assertEqual(record["requestContext"]["condition"], "Success")
                self.assertEqual(record["responsePayload"], {"sleep_ms": 1500})
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()

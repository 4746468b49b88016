"""`edgeface cloud --stack`: a real server creates what a template declares, checked with boto3.

Uses src/cloud/stack/testdata/template.yaml (one resource of each kind, a Python custom runtime)
and the repository's default template.yaml (whose face functions are not invoked here).
"""
import json
import os
import subprocess
import tempfile
import unittest
import urllib.request

from cloud_harness import CloudServer, edgeface_bin, wait_until

ROOT = os.path.abspath(os.environ.get("EDGEFACE_ROOT", os.path.join(os.path.dirname(__file__), "..", "..", "..")))
TESTDATA = os.path.join(ROOT, "src", "cloud", "stack", "testdata")
TEST_TEMPLATE = os.path.join(TESTDATA, "template.yaml")
CSE546 = os.path.join(ROOT, "..", "shared", "data", "cse546")


def stack_lines(cloud):
    """The `stack: ` lines of the current server. stderr is read by a thread that may lag behind
    the ready line on stdout, so wait (bounded) for the last line a stack prints: its S3
    notifications."""
    wait_until(lambda: "stack: notification " in cloud.stderr, timeout=10)
    return [line[len("stack: "):].strip() for line in cloud.stderr.splitlines() if line.startswith("stack: ")]


class TestStackTemplate(unittest.TestCase):
    def test_creates_everything_once_and_keeps_later_changes(self):
        # Keys other than test/test: the stack and the functions must both use the cloud's own.
        with CloudServer(extra_args=["--stack", TEST_TEMPLATE], access_key="AKSTACKTEST", secret_key="stack-secret") as cloud:
            lines = stack_lines(cloud)
            for expected in ("queue stacktest-dead created", "queue stacktest-work created",
                             "bucket stacktest-uploads created", "table people created", "table Notes created",
                             "function stacktest-echo created (%s)" % os.path.join(TESTDATA, "code", "bootstrap"),
                             "function WorkerFunction created (%s)" % os.path.join(TESTDATA, "code", "bootstrap")):
                self.assertIn(expected, lines)
            self.assertTrue(any(l.startswith("items people 3 loaded, 0 present") for l in lines), lines)
            self.assertTrue(any(l.startswith("object s3://stacktest-uploads/gallery/encodings.json loaded") for l in lines), lines)
            url_lines = [l for l in lines if l.startswith("function stacktest-echo url http://127.0.0.1:")]
            self.assertEqual(len(url_lines), 1, lines)

            s3 = cloud.boto3_client("s3")
            body = s3.get_object(Bucket="stacktest-uploads", Key="gallery/encodings.json")["Body"].read()
            with open(os.path.join(TESTDATA, "gallery.json"), "rb") as f:
                self.assertEqual(body, f.read())
            notification = s3.get_bucket_notification_configuration(Bucket="stacktest-uploads")
            [config] = notification["LambdaFunctionConfigurations"]
            self.assertEqual(config["LambdaFunctionArn"], "arn:aws:lambda:us-east-1:000000000000:function:stacktest-echo")
            rules = {r["Name"].lower(): r["Value"] for r in config["Filter"]["Key"]["FilterRules"]}
            self.assertEqual(rules, {"prefix": "in/", "suffix": ".mp4"})

            ddb = cloud.boto3_client("dynamodb")
            item = ddb.get_item(TableName="people", Key={"name": {"S": "alan"}})["Item"]
            self.assertEqual(item["major"], {"S": "computer_science"})
            self.assertEqual(item["id"], {"N": "2"})
            self.assertEqual(item["scores"], {"L": [{"N": "1"}, {"N": "2.5"}]})
            notes = ddb.describe_table(TableName="Notes")["Table"]
            self.assertEqual(notes["KeySchema"], [{"AttributeName": "id", "KeyType": "HASH"}])

            sqs = cloud.boto3_client("sqs")
            work = sqs.get_queue_url(QueueName="stacktest-work")["QueueUrl"]
            attrs = sqs.get_queue_attributes(QueueUrl=work, AttributeNames=["All"])["Attributes"]
            self.assertEqual(attrs["VisibilityTimeout"], "30")
            redrive = json.loads(attrs["RedrivePolicy"])
            self.assertEqual(redrive["deadLetterTargetArn"], "arn:aws:sqs:us-east-1:000000000000:stacktest-dead")
            self.assertEqual(int(redrive["maxReceiveCount"]), 3)

            lam = cloud.boto3_client("lambda")
            config = lam.get_function_configuration(FunctionName="stacktest-echo")
            self.assertEqual(config["MemorySize"], 256)
            self.assertEqual(config["Timeout"], 10)
            self.assertEqual(config["Environment"]["Variables"]["BUCKET"], "stacktest-uploads")
            self.assertEqual(lam.get_function_concurrency(FunctionName="stacktest-echo")["ReservedConcurrentExecutions"], 4)
            invoke_config = lam.get_function_event_invoke_config(FunctionName="stacktest-echo")
            self.assertEqual(invoke_config["DestinationConfig"]["OnFailure"]["Destination"],
                             "arn:aws:sqs:us-east-1:000000000000:stacktest-dead")
            mappings = lam.list_event_source_mappings(FunctionName="stacktest-echo")["EventSourceMappings"]
            self.assertEqual([(m["EventSourceArn"], m["BatchSize"]) for m in mappings],
                             [("arn:aws:sqs:us-east-1:000000000000:stacktest-work", 5)])
            url = lam.get_function_url_config(FunctionName="stacktest-echo")["FunctionUrl"]
            self.assertEqual(url_lines[0], "function stacktest-echo url %s (created)" % url)
            # The function runs: its URL answers with the environment the template gave it.
            with urllib.request.urlopen(url + "hello?x=1", timeout=30) as r:
                answer = json.loads(r.read())
            self.assertEqual(answer["env"]["TABLE"], "people")
            self.assertEqual(answer["env"]["GREETING"], "hello")
            self.assertEqual(answer["env"]["AWS_ENDPOINT_URL"], cloud.endpoint)
            self.assertEqual(answer["env"]["AWS_ACCESS_KEY_ID"], "AKSTACKTEST")
            self.assertEqual(answer["env"]["AWS_SECRET_ACCESS_KEY"], "stack-secret")
            self.assertEqual(answer["env"]["QUEUE_URL"], work)
            self.assertEqual(answer["event"]["rawPath"], "/hello")

            # Changed through the API: a restart keeps the change and creates nothing.
            ddb.put_item(TableName="people", Item={"name": {"S": "ada"}, "major": {"S": "changed"}})
            ddb.delete_item(TableName="people", Key={"name": {"S": "grace"}})
            cloud.restart()
            lines = stack_lines(cloud)
            self.assertEqual([l for l in lines if l.endswith(" created") or " created (" in l], [], lines)
            self.assertIn("bucket stacktest-uploads exists", lines)
            self.assertIn("table people exists", lines)
            self.assertIn("object s3://stacktest-uploads/gallery/encodings.json exists", lines)
            self.assertTrue(any(l.startswith("items people 1 loaded, 2 present") for l in lines), lines)
            self.assertIn("function WorkerFunction exists", lines)
            ddb = cloud.boto3_client("dynamodb")
            self.assertEqual(ddb.get_item(TableName="people", Key={"name": {"S": "ada"}})["Item"]["major"], {"S": "changed"})
            self.assertIn("Item", ddb.get_item(TableName="people", Key={"name": {"S": "grace"}}))

            # --reload-data writes the file's items again.
            cloud.extra_args.append("--reload-data")
            cloud.restart()
            self.assertTrue(any(l.startswith("items people 3 reloaded") for l in stack_lines(cloud)), stack_lines(cloud))
            ddb = cloud.boto3_client("dynamodb")
            self.assertEqual(ddb.get_item(TableName="people", Key={"name": {"S": "ada"}})["Item"]["major"],
                             {"S": "mathematics"})

    def test_stack_command_reloads_data_into_a_running_cloud(self):
        with CloudServer(extra_args=["--stack", TEST_TEMPLATE]) as cloud:
            ddb = cloud.boto3_client("dynamodb")
            ddb.delete_item(TableName="people", Key={"name": {"S": "ada"}})
            p = subprocess.run([edgeface_bin(), "stack", TEST_TEMPLATE, "--endpoint", cloud.endpoint, "--reload-data"],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr)
            out = p.stdout.splitlines()
            self.assertIn("table people exists", out)
            self.assertTrue(any(l.startswith("items people 3 reloaded") for l in out), out)
            self.assertEqual(ddb.get_item(TableName="people", Key={"name": {"S": "ada"}})["Item"]["major"],
                             {"S": "mathematics"})
        p = subprocess.run([edgeface_bin(), "stack", os.path.join(ROOT, "template.yaml"), "--check",
                            "--parameter", "CodeDir=" + os.path.dirname(edgeface_bin())],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("6 functions, 5 buckets, 1 tables, 2 queues", p.stdout)

    def test_a_bad_template_changes_nothing(self):
        with tempfile.TemporaryDirectory() as tmp:
            template = os.path.join(tmp, "bad.yaml")
            with open(template, "w") as f:
                f.write("Transform: AWS::Serverless-2016-10-31\nResources:\n"
                        "  Good:\n    Type: AWS::S3::Bucket\n    Properties: {BucketName: good-bucket}\n"
                        "  Bad:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Ref Missing\n")
            data = os.path.join(tmp, "data")
            p = subprocess.run([edgeface_bin(), "cloud", "--port", "0", "--data", data, "--stack", template],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertIn("%s:9: Bad: Ref to 'Missing': no parameter or resource has that name" % template, p.stderr)
            self.assertEqual(p.stdout, "")
            self.assertFalse(os.path.exists(data), "the data directory was created")

    def test_default_template_starts_and_creates_everything(self):
        code_dir = os.path.dirname(edgeface_bin())
        args = ["--stack", os.path.join(ROOT, "template.yaml"), "--parameter", "CodeDir=" + code_dir]
        with CloudServer(extra_args=args) as cloud:
            lines = stack_lines(cloud)
            functions = ["face-recognition", "student-lookup", "web", "video-splitting", "video-recognition", "enroll"]
            # The image functions run the lean bootstrap beside the build's bin/; the video ones edgeface fn.
            lean = ("face-recognition", "student-lookup", "web", "enroll")
            for name in functions:
                command = os.path.join(code_dir, "..", "functions", "bootstrap") if name in lean else \
                    "%s fn %s" % (os.path.join(code_dir, "edgeface"), name)
                self.assertIn("function %s created (%s)" % (name, command), lines)
            for bucket in ("edgeface-clips", "edgeface-stage", "edgeface-models", "546proj2", "546proj2output"):
                self.assertIn("bucket %s created" % bucket, lines)
            self.assertTrue(any(l.startswith("items students 8 loaded, 0 present") for l in lines), lines)

            lam = cloud.boto3_client("lambda")
            listed = sorted(f["FunctionName"] for f in lam.list_functions()["Functions"])
            self.assertEqual(listed, sorted(functions))
            face = lam.get_function_configuration(FunctionName="face-recognition")
            self.assertEqual((face["MemorySize"], face["Timeout"]), (1024, 30))
            env = lam.get_function_configuration(FunctionName="web")["Environment"]["Variables"]
            self.assertEqual(env["FACE_FUNCTION"], "face-recognition")
            self.assertEqual(env["LOOKUP_FUNCTION"], "student-lookup")
            self.assertEqual(env["RESPONSES_QUEUE"], "responses")
            self.assertEqual(env["GALLERY_BUCKET"], "edgeface-models")
            self.assertEqual(env["STUDENTS_TABLE"], "students")
            url = lam.get_function_url_config(FunctionName="web")["FunctionUrl"]
            self.assertIn("function web url %s (created)" % url, lines)

            s3 = cloud.boto3_client("s3")
            gallery = s3.get_object(Bucket="edgeface-models", Key="gallery/encodings.json")["Body"].read()
            with open(os.path.join(CSE546, "encoding_dlib128.json"), "rb") as f:
                self.assertEqual(gallery, f.read())
            [config] = s3.get_bucket_notification_configuration(Bucket="546proj2")["LambdaFunctionConfigurations"]
            self.assertTrue(config["LambdaFunctionArn"].endswith(":function:video-recognition"))
            self.assertEqual(config["Filter"]["Key"]["FilterRules"][0]["Value"], ".mp4")

            ddb = cloud.boto3_client("dynamodb")
            students = ddb.scan(TableName="students")["Items"]
            self.assertEqual(len(students), 8)
            bean = ddb.get_item(TableName="students", Key={"name": {"S": "mr_bean"}})["Item"]
            self.assertEqual(bean["year"], {"S": "freshmen"})  # verbatim (DESIGN.md §4)

            sqs = cloud.boto3_client("sqs")
            for queue in ("results", "responses"):
                sqs.get_queue_url(QueueName=queue)


if __name__ == "__main__":
    unittest.main()

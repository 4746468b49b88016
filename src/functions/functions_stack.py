"""A real `edgeface cloud` serving the product's functions (`edgeface fn NAME`), with the
resources they use (PRODUCT.md's names) and the cse546 data loaded: the gallery, the students
table, buckets and queues. Used by functions_test.py and bench/functions/bench_functions.py.

    with FunctionsStack() as st:
        st.lam.invoke(FunctionName="face-recognition", Payload=...)

Functions are registered through the engine's registry file (functions.json in the data
directory), each as [EDGEFACE_BIN, "fn", NAME] with its Environment, before the server starts.
"""
import json
import os
import shutil
import tempfile

from cloud_harness import CloudServer, edgeface_bin

ROOT = os.environ.get("EDGEFACE_ROOT", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
DATA = os.path.join(ROOT, "..", "shared", "data")
CSE546 = os.path.join(DATA, "cse546")
FIXTURES = os.path.join(DATA, "fixtures", "face_recognition")

BUCKETS = ["edgeface-clips", "edgeface-stage", "edgeface-models", "546proj2", "546proj2output"]
GALLERY_BUCKET, GALLERY_KEY = "edgeface-models", "gallery/encodings.json"
FUNCTIONS = ["face-recognition", "student-lookup", "web", "video-splitting", "video-recognition", "enroll"]
ENV = {
    "GALLERY_BUCKET": GALLERY_BUCKET, "GALLERY_KEY": GALLERY_KEY, "STUDENTS_TABLE": "students",
    "STAGE_BUCKET": "edgeface-stage", "OUTPUT_BUCKET": "546proj2output", "RESULTS_QUEUE": "results",
    "RESPONSES_QUEUE": "responses", "FACE_FUNCTION": "face-recognition", "LOOKUP_FUNCTION": "student-lookup",
}


def read(path, mode="rb"):
    with open(path, mode) as f:
        return f.read()


class FunctionsStack:
    def __init__(self, idle_timeout_ms=60000, extra_env=None):
        self.dir = tempfile.mkdtemp(prefix="edgeface-functions-")
        env = dict(ENV)
        env.update(extra_env or {})
        registry = {
            "Settings": {"IdleTimeoutMs": idle_timeout_ms, "AsyncRetryDelaysMs": [200, 400]},
            "Functions": [{"FunctionName": name, "Command": [edgeface_bin(), "fn", name], "Handler": name,
                           "Runtime": "provided.al2023", "Timeout": 60, "MemorySize": 1024,
                           "Environment": {"Variables": env}} for name in FUNCTIONS],
        }
        os.makedirs(os.path.join(self.dir, "data", "lambda"))
        with open(os.path.join(self.dir, "data", "lambda", "functions.json"), "w") as f:
            json.dump(registry, f)
        self.cloud = CloudServer(data_dir=os.path.join(self.dir, "data"))

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def start(self):
        self.cloud.start()
        c = self.cloud.boto3_client
        self.s3 = c("s3", s3={"addressing_style": "path"})
        self.ddb = c("dynamodb")
        self.sqs = c("sqs")
        self.lam = c("lambda", read_timeout=120)
        for b in BUCKETS:
            self.s3.create_bucket(Bucket=b)
        self.ddb.create_table(TableName="students", KeySchema=[{"AttributeName": "name", "KeyType": "HASH"}],
                              AttributeDefinitions=[{"AttributeName": "name", "AttributeType": "S"}],
                              BillingMode="PAY_PER_REQUEST")
        for s in json.loads(read(os.path.join(CSE546, "student_data.json"), "r")):
            self.ddb.put_item(TableName="students", Item={
                "name": {"S": s["name"]}, "major": {"S": s["major"]}, "year": {"S": s["year"]},
                "id": {"N": str(s["id"])}})
        self.queues = {q: self.sqs.create_queue(QueueName=q)["QueueUrl"] for q in ("results", "responses")}
        self.put_gallery(read(os.path.join(CSE546, "encoding_dlib128.json")))
        return self

    def put_gallery(self, body):
        return self.s3.put_object(Bucket=GALLERY_BUCKET, Key=GALLERY_KEY, Body=body)["ETag"]

    def invoke(self, name, event):
        """(payload as parsed JSON, FunctionError or None)."""
        payload = event if isinstance(event, (bytes, str)) else json.dumps(event)
        r = self.lam.invoke(FunctionName=name, Payload=payload)
        return json.loads(r["Payload"].read()), r.get("FunctionError")

    def function_url(self, name):
        try:
            return self.lam.get_function_url_config(FunctionName=name)["FunctionUrl"]
        except self.lam.exceptions.ResourceNotFoundException:
            return self.lam.create_function_url_config(FunctionName=name, AuthType="NONE")["FunctionUrl"]

    def close(self):
        try:
            self.cloud.close()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

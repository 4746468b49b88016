"""Functions packaged as Lambda zips (tools/package.sh) run the way Lambda runs them: `edgeface
cloud --stack` unpacks each .zip CodeUri into a read-only task root under its data directory and
executes its `bootstrap` there. The packaged face-recognition, student-lookup and web functions
serve pipeline 2 (a cse546 clip through video-splitting) and pipeline 1 (the staged frame posted
to web's function URL), checked against ground_truth.csv (person, major, year as the table holds it).
"""
import base64
import csv
import json
import os
import stat
import subprocess
import tempfile
import unittest
import urllib.request
import zipfile

from cloud_harness import CloudServer, edgeface_bin, wait_until

ROOT = os.path.abspath(os.environ.get("EDGEFACE_ROOT", os.path.join(os.path.dirname(__file__), "..", "..", "..")))
TEMPLATE = os.path.join(ROOT, "src", "cloud", "stack", "testdata", "packaged.yaml")
CSE546 = os.path.abspath(os.path.join(ROOT, "..", "shared", "data", "cse546"))
PACKAGED = ["face-recognition", "student-lookup", "web"]


def truth(video):
    with open(os.path.join(CSE546, "ground_truth.csv")) as f:
        return next(r for r in csv.DictReader(f) if r["file"] == video)


def students():
    with open(os.path.join(CSE546, "student_data.json")) as f:
        return {s["name"]: s for s in json.load(f)}


def subset(record):
    """The fields the pipelines print (the table may hold more, e.g. id)."""
    return {k: record[k] for k in ("name", "major", "year")}


class PackagedFunctionsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="edgeface-package-")
        cls.zips = os.path.join(cls.tmp.name, "zips")
        build = os.path.dirname(os.path.dirname(edgeface_bin()))
        env = dict(os.environ, EDGEFACE_ZIP_LEVEL="1")
        run = subprocess.run(["bash", os.path.join(ROOT, "tools", "package.sh"), build, cls.zips] + PACKAGED,
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
        if run.returncode != 0:
            raise RuntimeError("tools/package.sh failed: " + run.stderr[-2000:])
        cls.package_output = run.stdout
        cls.data = os.path.join(cls.tmp.name, "data")
        cls.cloud = CloudServer(data_dir=cls.data, extra_args=[
            "--stack", TEMPLATE, "--parameter", "ZipDir=" + cls.zips,
            "--parameter", "CodeDir=" + os.path.dirname(edgeface_bin()), "--parameter", "DataDir=" + CSE546])
        cls.cloud.start()
        cls.s3 = cls.cloud.boto3_client("s3", s3={"addressing_style": "path"})
        cls.sqs = cls.cloud.boto3_client("sqs")
        cls.lam = cls.cloud.boto3_client("lambda", read_timeout=120)

    @classmethod
    def tearDownClass(cls):
        cls.cloud.close()
        # The task roots are read-only: make them writable so that the directory can go.
        for dirpath, dirnames, _ in os.walk(cls.tmp.name):
            for d in dirnames:
                p = os.path.join(dirpath, d)
                if not os.path.islink(p):
                    os.chmod(p, 0o755)
        cls.tmp.cleanup()

    def stack_line(self, prefix):
        wait_until(lambda: "stack: function web url" in self.cloud.stderr, timeout=10)
        lines = [l[len("stack: "):] for l in self.cloud.stderr.splitlines() if l.startswith("stack: " + prefix)]
        self.assertEqual(len(lines), 1, self.cloud.stderr)
        return lines[0]

    def invoke(self, name, event):
        r = self.lam.invoke(FunctionName=name, Payload=json.dumps(event).encode())
        return json.loads(r["Payload"].read()), r.get("FunctionError")

    def test_each_zip_is_a_self_contained_provided_al2023_package(self):
        for name in PACKAGED:
            path = os.path.join(self.zips, name + ".zip")
            self.assertIn(path, self.package_output)
            with zipfile.ZipFile(path) as z:
                infos = {i.filename: i for i in z.infolist()}
                mode = infos["bootstrap"].external_attr >> 16
                self.assertTrue(mode & stat.S_IXUSR, "bootstrap must be executable")
                self.assertIn(b"ld-linux-x86-64.so.2", z.read("bootstrap"))
                for member in ("bin/edgeface-fn", "lib/ld-linux-x86-64.so.2", "lib/libc.so.6", "lib/libstdc++.so.6",
                               "models/face_recognition_model.bin", "models/shape_predictor_68.eflm",
                               "models/frontal_face_detector.efhog"):
                    self.assertIn(member, infos)
                self.assertFalse([n for n in infos if "libavformat" in n], "the lean functions carry no FFmpeg")

    def test_zips_run_from_one_read_only_task_root_under_the_data_directory(self):
        roots = set()
        for name in PACKAGED:
            line = self.stack_line("function %s created (" % name)
            bootstrap = line[line.index("(") + 1:line.rindex(")")]
            self.assertEqual(os.path.basename(bootstrap), "bootstrap")
            roots.add(os.path.dirname(bootstrap))
        self.assertEqual(len(roots), 1, "equal zips share one task root")
        root = roots.pop()
        self.assertEqual(os.path.dirname(root), os.path.join(os.path.realpath(self.data), "task-roots"))
        for path in (root, os.path.join(root, "bootstrap"), os.path.join(root, "lib"),
                     os.path.join(root, "models", "face_recognition_model.bin")):
            self.assertEqual(os.stat(path).st_mode & 0o222, 0, path + " must not be writable")
        self.assertTrue(os.access(os.path.join(root, "bootstrap"), os.X_OK))

    def test_pipelines_1_and_2_through_the_packaged_functions(self):
        expected = truth("test_0.mp4")
        record = students()[expected["expected_person"]]
        key = "cam-3/1700000000123.mp4"
        with open(os.path.join(CSE546, "videos", "test_0.mp4"), "rb") as f:
            self.s3.put_object(Bucket="edgeface-clips", Key=key, Body=f.read())
        # Pipeline 2: video-splitting (build directory) → packaged face-recognition → packaged
        # student-lookup → one message on the results queue.
        out, err = self.invoke("video-splitting", {"bucket": "edgeface-clips", "key": key})
        self.assertIsNone(err, out)
        queue = self.sqs.get_queue_url(QueueName="results")["QueueUrl"]
        msgs = self.sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=10).get("Messages", [])
        self.assertEqual(len(msgs), 1)
        m = json.loads(msgs[0]["Body"])
        self.assertEqual(m["status"], "recognized", m)
        self.assertEqual(m["name"], expected["expected_person"])
        self.assertEqual(subset(m["record"]), subset(record))

        # The staged cse546 frame, straight to the packaged functions.
        frame = self.s3.get_object(Bucket="edgeface-stage", Key="cam-3/1700000000123.jpg")["Body"].read()
        out, err = self.invoke("face-recognition", {"image": base64.b64encode(frame).decode()})
        self.assertIsNone(err, out)
        self.assertEqual(out["faces"][0]["name"], expected["expected_person"])
        self.assertLessEqual(out["faces"][0]["distance"], 0.6)
        out, err = self.invoke("student-lookup", {"name": expected["expected_person"]})
        self.assertIsNone(err, out)
        self.assertTrue(out["found"], out)
        self.assertEqual(subset(out["record"]), subset(record))

        # Pipeline 1: the frame posted to the packaged web function's URL.
        url = self.stack_line("function web url ").split()[3]
        req = urllib.request.Request(url, data=frame, method="POST",
                                     headers={"Content-Type": "image/jpeg", "x-request-id": "frame-1"})
        with urllib.request.urlopen(req, timeout=120) as r:
            self.assertEqual(r.status, 200)
            answer = json.loads(r.read())
        self.assertEqual(answer["request_id"], "frame-1")
        self.assertEqual(answer["name"], expected["expected_person"])
        self.assertEqual(subset(answer["record"]), subset(record))


class BadPackagesTest(unittest.TestCase):
    def check_refused(self, make_zip, message):
        with tempfile.TemporaryDirectory(prefix="edgeface-badzip-") as tmp:
            zip_path = os.path.join(tmp, "fn.zip")
            make_zip(zip_path)
            template = os.path.join(tmp, "t.yaml")
            with open(template, "w") as f:
                f.write("Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n"
                        "    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: fn.zip\n")
            data = os.path.join(tmp, "data")
            run = subprocess.run([edgeface_bin(), "cloud", "--port", "0", "--data", data, "--stack", template],
                                 capture_output=True, text=True, timeout=60)
            self.assertEqual(run.returncode, 1, run.stderr)
            self.assertIn(message, run.stderr)
            roots = os.path.join(data, "task-roots")
            self.assertEqual(os.listdir(roots) if os.path.isdir(roots) else [], [], "nothing half-unpacked is left")

    def test_a_file_that_is_not_a_zip_is_refused(self):
        def make(path):
            with open(path, "wb") as f:
                f.write(b"this is not a zip archive\n")
        self.check_refused(make, "is not a readable zip")

    def test_a_zip_without_an_executable_bootstrap_is_refused(self):
        def make(path):
            with zipfile.ZipFile(path, "w") as z:
                z.writestr("handler.sh", "#!/bin/sh\necho hi\n")
        self.check_refused(make, "holds no executable bootstrap")


if __name__ == "__main__":
    unittest.main()

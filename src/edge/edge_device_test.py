"""The device (`edgeface edge`) against a real `edgeface cloud`: clips reach the bucket under
"<device-id>/<capture-ms>.mp4" and leave the spool; a cloud that is down at start, killed with
kill -9 mid-run, or absent for a whole run costs no clip (they wait in the spool and go up later).

Runs under Debian's /usr/bin/python3 with the harness in src/cloud/testing (edgeface_pytest)."""
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

from cloud_harness import CloudServer, edgeface_bin, client_env

ROOT = os.environ.get("EDGEFACE_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
VIDEOS = os.path.join(ROOT, "..", "shared", "data", "cse546", "videos")
BUCKET = "edgeface-clips"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Device:
    """One `edgeface edge` process with --json; .summary() parses its last line."""

    def __init__(self, endpoint, spool, *args, device_id="cam-test"):
        env = client_env()
        self.args = [edgeface_bin(), "edge", "--endpoint", endpoint, "--spool", spool,
                     "--device-id", device_id, "--json"] + [str(a) for a in args]
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     stdin=subprocess.DEVNULL, text=True, env=env)

    def wait(self, timeout=90):
        try:
            out, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
            raise AssertionError("device did not finish in %d s: %s" % (timeout, err[-2000:]))
        self.stdout, self.stderr = out, err
        lines = [json.loads(l) for l in out.splitlines() if l.strip()]
        self.answers = [l for l in lines if not l.get("summary")]
        summaries = [l for l in lines if l.get("summary")]
        if not summaries:
            raise AssertionError("no summary; exit %s; stderr: %s" % (self.proc.returncode, err[-2000:]))
        return summaries[-1]


def spool_files(spool):
    found = []
    for dirpath, _, files in os.walk(spool):
        found += [os.path.join(dirpath, f) for f in files]
    return found


class EdgeDeviceTest(unittest.TestCase):
    def setUp(self):
        self.spool = tempfile.mkdtemp(prefix="edge-spool-")

    def tearDown(self):
        shutil.rmtree(self.spool, ignore_errors=True)

    def keys(self, s3, prefix="cam-test/"):
        resp = s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix)
        return sorted(o["Key"] for o in resp.get("Contents", []))

    def test_clips_reach_the_bucket_under_device_and_capture_ms(self):
        with CloudServer() as cloud:
            s3 = cloud.boto3_client("s3")
            s3.create_bucket(Bucket=BUCKET)
            # test_5: 2.217 s, one keyframe → 5 clips of 0.5 s (the last 0.217 s).
            before_ms = int(time.time() * 1000)
            dev = Device(cloud.endpoint, self.spool, "--source", os.path.join(VIDEOS, "test_5.mp4"),
                         "--pipeline", "store", "--realtime")
            summary = dev.wait()
            after_ms = int(time.time() * 1000)
            self.assertEqual(dev.proc.returncode, 0, dev.stderr)
            clips = summary["clips"]
            self.assertEqual(clips["captured"], 5)
            self.assertEqual(clips["uploaded"], 5)
            self.assertEqual(clips["dropped"], 0)
            self.assertEqual(clips["pending"], 0)
            keys = self.keys(s3)
            self.assertEqual(len(keys), 5, keys)
            ms = [int(k.split("/")[1][:-4]) for k in keys]
            self.assertTrue(before_ms <= ms[0] <= after_ms, (before_ms, ms, after_ms))
            # Capture times half a second apart (the clips' starts: 0, 0.5, 1.0, 1.5, 2.0 s).
            # (cuts fall where no B-frame straddles them: up to 3 frames after the grid point).
            for i, m in enumerate(ms):
                self.assertGreaterEqual(m - ms[0], 500 * i - 1)
                self.assertLessEqual(m - ms[0], 500 * i + 60)
            # Each object is an MP4 file that the store holds whole.
            for key in keys:
                body = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
                self.assertEqual(body[4:8], b"ftyp", key)
                self.assertGreater(len(body), 1000)
            self.assertEqual(spool_files(self.spool), [])

    def test_cloud_down_at_start_then_up(self):
        port = free_port()
        endpoint = "http://127.0.0.1:%d" % port
        # Nothing listens yet: the device captures into the spool and retries.
        dev = Device(endpoint, self.spool, "--source", os.path.join(VIDEOS, "test_0.mp4"),
                     "--pipeline", "store", "--realtime", "--loop", "2")
        time.sleep(1.5)
        self.assertIsNone(dev.proc.poll())
        self.assertTrue(spool_files(self.spool), "clips should wait in the spool")
        with CloudServer(port=port) as cloud:
            cloud.boto3_client("s3").create_bucket(Bucket=BUCKET)
            summary = dev.wait()
            self.assertEqual(dev.proc.returncode, 0, dev.stderr)
            clips = summary["clips"]
            # test_0: 1.96 s shown + the last frame → 4 clips per play, 2 plays.
            self.assertEqual(clips["captured"], 8)
            self.assertEqual(clips["uploaded"], 8)
            self.assertEqual(clips["dropped"], 0)
            self.assertEqual(clips["pending"], 0)
            self.assertGreaterEqual(clips["upload_outages"], 1)
            self.assertIn("clips stay in the spool", dev.stderr)
            self.assertEqual(len(self.keys(cloud.boto3_client("s3"))), 8)
            self.assertEqual(spool_files(self.spool), [])

    def test_cloud_killed_mid_run_loses_no_clip(self):
        port = free_port()
        with CloudServer(port=port) as cloud:
            cloud.boto3_client("s3").create_bucket(Bucket=BUCKET)
            dev = Device(cloud.endpoint, self.spool, "--source", os.path.join(VIDEOS, "test_0.mp4"),
                         "--pipeline", "store", "--realtime", "--loop", "3")
            time.sleep(1.5)
            cloud.kill9()
            time.sleep(2.0)
            cloud.restart()  # same data directory, same port
            summary = dev.wait()
            self.assertEqual(dev.proc.returncode, 0, dev.stderr)
            clips = summary["clips"]
            self.assertEqual(clips["captured"], 12)
            self.assertEqual(clips["uploaded"], 12)
            self.assertEqual(clips["dropped"], 0)
            self.assertEqual(clips["pending"], 0)
            self.assertGreaterEqual(clips["upload_outages"], 1)
            self.assertEqual(len(self.keys(cloud.boto3_client("s3"))), 12)

    def test_spool_left_by_a_run_goes_up_with_the_next(self):
        port = free_port()
        endpoint = "http://127.0.0.1:%d" % port
        first = Device(endpoint, self.spool, "--source", os.path.join(VIDEOS, "test_7.mp4"),
                       "--pipeline", "store", "--drain-timeout", "0.5")
        summary = first.wait()
        self.assertEqual(first.proc.returncode, 0, first.stderr)  # nothing dropped: all kept
        self.assertEqual(summary["clips"]["captured"], 3)  # test_7: 1.04 s
        self.assertEqual(summary["clips"]["pending"], 3)
        self.assertEqual(summary["clips"]["dropped"], 0)
        self.assertEqual(len(spool_files(self.spool)), 3)
        left = sorted(os.path.relpath(f, self.spool) for f in spool_files(self.spool))
        # Another device sharing the spool directory: its clips are its own to send.
        os.makedirs(os.path.join(self.spool, "cam-other"))
        shutil.copy(os.path.join(self.spool, left[0]), os.path.join(self.spool, "cam-other", "1000.mp4"))
        with CloudServer(port=port) as cloud:
            s3 = cloud.boto3_client("s3")
            s3.create_bucket(Bucket=BUCKET)
            second = Device(cloud.endpoint, self.spool, "--source", os.path.join(VIDEOS, "test_7.mp4"),
                            "--pipeline", "store")
            summary = second.wait()
            self.assertEqual(second.proc.returncode, 0, second.stderr)
            self.assertEqual(summary["clips"]["recovered"], 3)
            self.assertEqual(summary["clips"]["uploaded"], 6)
            self.assertEqual(summary["clips"]["pending"], 0)
            keys = self.keys(s3)
            self.assertEqual(len(keys), 6)
            for k in left:
                self.assertIn(k, keys)
            self.assertEqual(spool_files(self.spool), [os.path.join(self.spool, "cam-other", "1000.mp4")])
            self.assertEqual(self.keys(s3, prefix="cam-other/"), [])


class EdgeFramePipelineTest(unittest.TestCase):
    """Pipeline 1 end to end: the device → the web function URL → face-recognition → student-lookup,
    with the default stack (template.yaml, helpers "stack" and "functions")."""

    def setUp(self):
        self.template = os.path.join(ROOT, "template.yaml")
        if not os.path.exists(self.template):
            self.skipTest("no template.yaml (the default stack) in this tree")
        self.spool = tempfile.mkdtemp(prefix="edge-spool-")

    def tearDown(self):
        shutil.rmtree(self.spool, ignore_errors=True)

    def test_frames_of_two_videos_name_their_people(self):
        truth = {}
        with open(os.path.join(VIDEOS, "..", "ground_truth.csv")) as f:
            for line in f.read().splitlines()[1:]:
                fields = line.split(",")
                truth[fields[1]] = fields[4:7]  # expected_person, major, year
        code_dir = os.path.dirname(edgeface_bin())
        with CloudServer(extra_args=["--stack", self.template, "--parameter", "CodeDir=" + code_dir]) as cloud:
            # Both kinds of camera a file can stand for: raw (decoded frames at their capture
            # time, the default) and an H.264 network camera (packets in the file's order).
            for camera in ("raw", "h264"):
                with self.subTest(camera=camera):
                    self.check_frames_of_two_videos(cloud, camera, truth)

    def check_frames_of_two_videos(self, cloud, camera, truth):
        videos = ["test_0.mp4", "test_4.mp4"]
        dev = Device(cloud.endpoint, self.spool, "--pipeline", "frame", "--realtime", "--camera", camera,
                     "--labels", os.path.join(VIDEOS, "..", "ground_truth.csv"),
                     *sum((["--source", os.path.join(VIDEOS, v)] for v in videos), []),
                     device_id="cam-" + camera)
        summary = dev.wait(timeout=240)
        self.assertEqual(dev.proc.returncode, 0, dev.stderr)
        # test_0 shows 1.96 s, test_4 1.96 s: frames at 0, 0.5, 1.0, 1.5 of each.
        self.assertEqual(summary["requests_sent"], 8)
        self.assertEqual(summary["failures"], 0, dev.stdout)
        self.assertEqual(summary["answers"], 8)
        self.assertEqual(summary["accuracy"], {"labelled": 8, "correct": 8})
        self.assertEqual(summary["clips"]["dropped"], 0)
        self.assertEqual(summary["clips"]["pending"], 0)
        for a in dev.answers:
            video = os.path.basename(a["source"])
            name, major, _ = truth[video]
            # Name and major as ground_truth.csv says; the year is the table's own spelling.
            self.assertEqual(a["status"], "recognized", a)
            self.assertEqual(a["name"], name, a)
            self.assertEqual(a["record"]["name"], name, a)
            self.assertEqual(a["record"]["major"], major, a)
            self.assertGreater(a["latency_s"], 0)
            # No frame leaves the device before the moment it was captured, in either kind.
            self.assertGreaterEqual(a["timings_ms"]["capture_to_send"], 0, a)

    def test_clip_and_video_pipelines_name_the_person(self):
        code_dir = os.path.dirname(edgeface_bin())
        labels = os.path.join(VIDEOS, "..", "ground_truth.csv")
        with CloudServer(extra_args=["--stack", self.template, "--parameter", "CodeDir=" + code_dir]) as cloud:
            # Pipeline 2: clips → video-splitting → results queue, matched by device and capture ms.
            # (test_8: the face is found in each clip's first frame; in test_4's clip at 1.0 s the
            # HOG detector misses it, an answer of "no_face" that says nothing about the device.)
            dev = Device(cloud.endpoint, self.spool, "--pipeline", "clip", "--realtime", "--labels", labels,
                         "--source", os.path.join(VIDEOS, "test_8.mp4"), device_id="cam-clip")
            summary = dev.wait(timeout=240)
            self.assertEqual(dev.proc.returncode, 0, dev.stderr)
            self.assertEqual(summary["clips"]["captured"], 4)
            self.assertEqual(summary["answers"], 4, dev.stdout + dev.stderr)
            self.assertEqual(summary["accuracy"], {"labelled": 4, "correct": 4})
            for a in dev.answers:
                self.assertEqual(a["record"]["major"], "electrical_engineering", a)
            self.assertEqual(sorted(a["capture_ms"] for a in dev.answers),
                             sorted(int(k.split("/")[1][:-4]) for k in
                                    (o["Key"] for o in cloud.boto3_client("s3").list_objects_v2(
                                        Bucket=BUCKET, Prefix="cam-clip/")["Contents"])))
            # Pipeline 3: the file → 546proj2 → video-recognition → 546proj2output/test_7.csv.
            dev = Device(cloud.endpoint, self.spool, "--pipeline", "video", "--labels", labels,
                         "--source", os.path.join(VIDEOS, "test_7.mp4"))
            summary = dev.wait(timeout=240)
            self.assertEqual(summary["answers"], 1, dev.stdout + dev.stderr)
            self.assertEqual(dev.answers[0]["record"], {"name": "morgan_freeman", "major": "math", "year": "senior"})


if __name__ == "__main__":
    unittest.main()

"""The product's functions (`edgeface fn NAME`) in a real `edgeface cloud`, driven by boto3 and
plain HTTP (the function URL), on the cse546 data: gallery, students table, videos."""
import base64
import csv
import json
import os
import time
import unittest
import urllib.error
import urllib.request

from functions_stack import CSE546, FIXTURES, GALLERY_BUCKET, GALLERY_KEY, FunctionsStack, read


def ground_truth():
    with open(os.path.join(CSE546, "ground_truth.csv")) as f:
        return {r["file"]: r for r in csv.DictReader(f) if r["test_case"] == "test_case_1"}


def post(url, body, headers, timeout=60):
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


class FunctionsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.st = FunctionsStack()
        cls.st.start()
        cls.obama = read(os.path.join(FIXTURES, "obama.jpg"))
        cls.truth = ground_truth()

    @classmethod
    def tearDownClass(cls):
        cls.st.close()

    def assertFunctionError(self, name, event, error_type):
        payload, err = self.st.invoke(name, event)
        self.assertEqual(err, "Unhandled", payload)
        self.assertEqual(payload["errorType"], error_type, payload)
        self.assertTrue(payload["errorMessage"])
        return payload

    # -- face-recognition ----------------------------------------------------------------------
    def test_face_recognition_names_a_known_face_from_base64(self):
        out, err = self.st.invoke("face-recognition", {"image": base64.b64encode(self.obama).decode()})
        self.assertIsNone(err, out)
        self.assertEqual(len(out["faces"]), 1)
        face = out["faces"][0]
        self.assertEqual(face["name"], "president_obama")
        self.assertLessEqual(face["distance"], 0.6)
        left, top, right, bottom = face["box"]
        self.assertTrue(0 <= left < right and 0 <= top < bottom)
        self.assertTrue(out["gallery_etag"])
        self.assertEqual(set(out["timings_ms"]), {"fetch", "decode", "detect", "describe", "total"})

    def test_face_recognition_reads_an_object_and_reports_faces_nobody_knows(self):
        self.st.s3.put_object(Bucket="edgeface-stage", Key="fixtures/lin.png",
                              Body=read(os.path.join(FIXTURES, "lin-manuel-miranda.png")))
        out, err = self.st.invoke("face-recognition", {"bucket": "edgeface-stage", "key": "fixtures/lin.png"})
        self.assertIsNone(err, out)
        self.assertGreaterEqual(len(out["faces"]), 1)
        self.assertEqual(out["faces"][0]["name"], "unknown")
        self.assertGreater(out["faces"][0]["distance"], 0.6)

    def test_face_recognition_bad_events_are_function_errors_and_the_instance_lives_on(self):
        self.assertFunctionError("face-recognition", {}, "InvalidEvent")
        self.assertFunctionError("face-recognition", b"not json", "InvalidEvent")
        self.assertFunctionError("face-recognition", {"image": base64.b64encode(b"hello").decode()}, "InvalidImage")
        self.assertFunctionError("face-recognition", {"bucket": "edgeface-stage", "key": "nope.jpg"}, "NotFound")
        out, err = self.st.invoke("face-recognition", {"image": base64.b64encode(self.obama).decode()})
        self.assertIsNone(err, out)

    # -- student-lookup ------------------------------------------------------------------------
    def test_student_lookup_returns_the_table_verbatim_and_says_when_there_is_none(self):
        out, err = self.st.invoke("student-lookup", {"name": "mr_bean"})
        self.assertIsNone(err, out)
        self.assertEqual(out, {"found": True, "record": {"name": "mr_bean", "major": "lawyer", "year": "freshmen"}})
        out, _ = self.st.invoke("student-lookup", {"name": "bush"})  # in the gallery, not in the table
        self.assertEqual(out, {"found": False, "name": "bush"})
        self.assertFunctionError("student-lookup", {"nom": "x"}, "InvalidEvent")

    # -- web (function URL) --------------------------------------------------------------------
    def test_web_function_url_answers_a_raw_jpeg_with_the_record(self):
        url = self.st.function_url("web")
        status, out = post(url, self.obama, {"Content-Type": "image/jpeg", "x-request-id": "frame-12",
                                             "x-device-id": "pi-1", "x-capture-ms": "1700000000500"})
        self.assertEqual(status, 200, out)
        self.assertEqual(out["request_id"], "frame-12")
        self.assertEqual(out["device_id"], "pi-1")
        self.assertEqual(out["capture_ms"], 1700000000500)
        self.assertEqual(out["status"], "recognized")
        self.assertEqual(out["name"], "president_obama")
        self.assertEqual(out["record"], {"name": "president_obama", "major": "electrical_engineering", "year": "senior"})
        self.assertLessEqual(out["distance"], 0.6)
        self.assertTrue(set(out["timings_ms"]) >= {"recognition", "lookup", "total"}, out["timings_ms"])

    def test_web_json_body_goes_to_the_responses_queue_when_asked(self):
        url = self.st.function_url("web")
        body = json.dumps({"content": base64.b64encode(self.obama).decode(), "request_id": "q-1",
                           "filename": "obama.jpg", "respond_to_queue": True}).encode()
        status, out = post(url, body, {"Content-Type": "application/json"})
        self.assertEqual(status, 200, out)
        self.assertEqual(out["filename"], "obama.jpg")
        msgs = self.st.sqs.receive_message(QueueUrl=self.st.queues["responses"], WaitTimeSeconds=5,
                                           MaxNumberOfMessages=10).get("Messages", [])
        queued = [json.loads(m["Body"]) for m in msgs]
        self.assertIn("q-1", [q["request_id"] for q in queued])
        q = next(q for q in queued if q["request_id"] == "q-1")
        self.assertEqual(q["name"], "president_obama")
        self.assertEqual(q["record"], out["record"])

    def test_web_refuses_a_body_that_is_not_an_image_with_400(self):
        url = self.st.function_url("web")
        status, out = post(url, b"hello", {"Content-Type": "text/plain"})
        self.assertEqual(status, 400, out)
        self.assertIn("not an image", out["error"])
        status, out = post(url, b"\x00\x01garbage", {"Content-Type": "image/jpeg"})
        self.assertEqual(status, 400, out)

    def test_web_reports_no_face_for_a_frame_without_one(self):
        # A plain grey frame (binary PPM, which the decoders read like a JPEG).
        blank = b"P6\n64 48\n255\n" + bytes([128]) * (64 * 48 * 3)
        status, out = post(self.st.function_url("web"), blank, {"Content-Type": "image/x-portable-pixmap"})
        self.assertEqual(status, 200, out)
        self.assertEqual(out["status"], "no_face")
        self.assertIsNone(out["name"])
        self.assertIsNone(out["record"])

    # -- video-recognition (pipeline 3) ---------------------------------------------------------
    def test_video_recognition_writes_the_csv_of_test_0(self):
        self.st.s3.put_object(Bucket="546proj2", Key="test_0.mp4", Body=read(os.path.join(CSE546, "videos", "test_0.mp4")))
        event = {"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
                              "s3": {"bucket": {"name": "546proj2"}, "object": {"key": "test_0.mp4"}}}]}
        out, err = self.st.invoke("video-recognition", event)
        self.assertIsNone(err, out)
        body = self.st.s3.get_object(Bucket="546proj2output", Key="test_0.csv")["Body"].read().decode()
        truth = self.truth["test_0.mp4"]
        # ground_truth.csv and the table agree for test_0 (president_trump, physics, junior).
        self.assertEqual(body, "%s,%s,%s\n" % (truth["expected_person"], truth["expected_major"], truth["expected_year"]))
        self.assertEqual(out["results"][0]["output_key"], "test_0.csv")

    def test_video_recognition_url_decodes_keys_and_refuses_a_non_video(self):
        self.st.s3.put_object(Bucket="546proj2", Key="my clip 2.mp4", Body=read(os.path.join(CSE546, "videos", "test_2.mp4")))
        event = {"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
                              "s3": {"bucket": {"name": "546proj2"}, "object": {"key": "my+clip+2.mp4"}}}]}
        out, err = self.st.invoke("video-recognition", event)
        self.assertIsNone(err, out)
        body = self.st.s3.get_object(Bucket="546proj2output", Key="my clip 2.csv")["Body"].read().decode()
        self.assertEqual(body, "mr_bean,lawyer,freshmen\n")  # the table's year, verbatim
        self.st.s3.put_object(Bucket="546proj2", Key="text.mp4", Body=b"this is not a video")
        event["Records"][0]["s3"]["object"]["key"] = "text.mp4"
        self.assertFunctionError("video-recognition", event, "InvalidImage")
        self.assertFunctionError("video-recognition", {"Records": [{"s3": {}}]}, "InvalidEvent")

    def test_s3_uploads_trigger_video_recognition_and_each_gets_its_csv(self):
        # Pipeline 3 as the course runs it: uploads to the input bucket, an ObjectCreated trigger.
        bucket = "546proj2-trigger"  # its own bucket, so other tests' uploads trigger nothing
        self.st.s3.create_bucket(Bucket=bucket)
        arn = self.st.lam.get_function(FunctionName="video-recognition")["Configuration"]["FunctionArn"]
        self.st.s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
            "LambdaFunctionConfigurations": [{"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"],
                                              "Filter": {"Key": {"FilterRules": [{"Name": "suffix", "Value": ".mp4"}]}}}]})
        students = {s["name"]: s for s in json.loads(read(os.path.join(CSE546, "student_data.json"), "r"))}
        clips = ["test_4.mp4", "test_5.mp4", "test_7.mp4"]
        for clip in clips:
            self.st.s3.put_object(Bucket=bucket, Key="t" + clip, Body=read(os.path.join(CSE546, "videos", clip)))
        deadline = time.monotonic() + 60
        for clip in clips:
            key = "t" + clip[:-4] + ".csv"
            body = None
            while body is None and time.monotonic() < deadline:
                try:
                    body = self.st.s3.get_object(Bucket="546proj2output", Key=key)["Body"].read().decode()
                except self.st.s3.exceptions.NoSuchKey:
                    time.sleep(0.2)
            self.assertIsNotNone(body, "no %s within 60 s" % key)
            truth = self.truth[clip]
            # Name and major as ground_truth.csv says; the year as the table holds it (verbatim).
            self.assertEqual(body, "%s,%s,%s\n" % (truth["expected_person"], truth["expected_major"],
                                                   students[truth["expected_person"]]["year"]))

    # -- video-splitting (pipeline 2) -----------------------------------------------------------
    def test_video_splitting_stages_the_frame_and_posts_the_result(self):
        key = "cam-7/1700000000000.mp4"
        self.st.s3.put_object(Bucket="edgeface-clips", Key=key, Body=read(os.path.join(CSE546, "videos", "test_1.mp4")))
        out, err = self.st.invoke("video-splitting", {"bucket": "edgeface-clips", "key": key})
        self.assertIsNone(err, out)
        frame = self.st.s3.get_object(Bucket="edgeface-stage", Key="cam-7/1700000000000.jpg")["Body"].read()
        self.assertEqual(frame[:3], b"\xff\xd8\xff")
        msgs = self.st.sqs.receive_message(QueueUrl=self.st.queues["results"], WaitTimeSeconds=5,
                                           MessageAttributeNames=["All"]).get("Messages", [])
        self.assertEqual(len(msgs), 1)
        m = json.loads(msgs[0]["Body"])
        self.assertEqual(msgs[0]["MessageAttributes"]["device_id"]["StringValue"], "cam-7")
        self.assertEqual(m["device_id"], "cam-7")
        self.assertEqual(m["capture_ms"], 1700000000000)
        self.assertEqual(m["status"], "recognized")
        self.assertEqual(m["name"], self.truth["test_1.mp4"]["expected_person"])
        self.assertEqual(m["record"]["major"], self.truth["test_1.mp4"]["expected_major"])
        self.assertEqual(m["frame_key"], "cam-7/1700000000000.jpg")

    def test_video_splitting_through_an_sqs_trigger(self):
        key = "cam-9/1700000000999.mp4"
        self.st.s3.put_object(Bucket="edgeface-clips", Key=key, Body=read(os.path.join(CSE546, "videos", "test_4.mp4")))
        q = self.st.sqs.create_queue(QueueName="clips-to-split")["QueueUrl"]
        arn = self.st.sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        mapping = self.st.lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="video-splitting", BatchSize=1)
        try:
            self.st.sqs.send_message(QueueUrl=q, MessageBody=json.dumps({"bucket": "edgeface-clips", "key": key}))
            found = None
            deadline = time.monotonic() + 30
            while found is None and time.monotonic() < deadline:
                for m in self.st.sqs.receive_message(QueueUrl=self.st.queues["results"], WaitTimeSeconds=2,
                                                     MaxNumberOfMessages=10).get("Messages", []):
                    body = json.loads(m["Body"])
                    self.st.sqs.delete_message(QueueUrl=self.st.queues["results"], ReceiptHandle=m["ReceiptHandle"])
                    if body["clip_key"] == key:
                        found = body
            self.assertIsNotNone(found, "no result for the queued clip within 30 s")
            self.assertEqual(found["device_id"], "cam-9")
            self.assertEqual(found["name"], self.truth["test_4.mp4"]["expected_person"])
        finally:
            self.st.lam.delete_event_source_mapping(UUID=mapping["UUID"])

    # -- enroll + gallery reload ----------------------------------------------------------------
    def test_enrolled_people_are_recognised_without_a_redeploy(self):
        original = self.st.s3.get_object(Bucket=GALLERY_BUCKET, Key=GALLERY_KEY)["Body"].read()
        try:
            image = {"image": base64.b64encode(self.obama).decode()}
            before, _ = self.st.invoke("face-recognition", image)
            self.assertEqual(before["faces"][0]["name"], "president_obama")
            for i, name in enumerate(["obama.jpg", "obama2.jpg"]):
                self.st.s3.put_object(Bucket="edgeface-clips", Key="people/barack/%d.jpg" % i,
                                      Body=read(os.path.join(FIXTURES, name)))
            self.st.s3.put_object(Bucket="edgeface-clips", Key="people/nobody/blank.txt", Body=b"not an image")
            out, err = self.st.invoke("enroll", {"bucket": "edgeface-clips", "prefix": "people/"})
            self.assertIsNone(err, out)
            self.assertEqual(out["faces"], 2)
            self.assertEqual(out["people"], 1)
            self.assertEqual([s["key"] for s in out["skipped"]], ["people/nobody/blank.txt"])
            self.assertEqual(out["gallery_entries"], 13)  # 11 kept + 2 new
            # The base gallery object is not rewritten; the person has an object of their own.
            self.assertEqual(self.st.s3.get_object(Bucket=GALLERY_BUCKET, Key=GALLERY_KEY)["Body"].read(), original)
            self.st.s3.head_object(Bucket=GALLERY_BUCKET, Key=GALLERY_KEY + ".d/barack.json")
            time.sleep(1.3)  # the gallery's ETag is checked at most once a second
            after, _ = self.st.invoke("face-recognition", image)
            self.assertEqual(after["faces"][0]["name"], "barack")  # the same photo: distance ~0
            self.assertNotEqual(after["gallery_etag"], before["gallery_etag"])
        finally:
            self.st.s3.delete_object(Bucket=GALLERY_BUCKET, Key=GALLERY_KEY + ".d/barack.json")
            self.st.put_gallery(original)
            time.sleep(1.3)
        back, _ = self.st.invoke("face-recognition", {"image": base64.b64encode(self.obama).decode()})
        self.assertEqual(back["faces"][0]["name"], "president_obama")

    def test_enrolments_running_at_once_keep_both_people(self):
        # Before the per-person objects, two enrolments read, merged and rewrote one gallery
        # object, and the later write could drop the other's person.
        import concurrent.futures
        people = {"alpha": ("people-a/", "obama.jpg"), "bravo": ("people-b/", "biden.jpg"),
                  "charlie": ("people-c/", "alex-lacamoire.png")}
        try:
            for name, (prefix, image) in people.items():
                self.st.s3.put_object(Bucket="edgeface-clips", Key=prefix + name + "/0" + image[-4:],
                                      Body=read(os.path.join(FIXTURES, image)))
            with concurrent.futures.ThreadPoolExecutor(len(people)) as pool:
                outs = list(pool.map(lambda p: self.st.invoke("enroll", {"bucket": "edgeface-clips", "prefix": p[0]}),
                                     people.values()))
            for out, err in outs:
                self.assertIsNone(err, out)
                self.assertEqual(out["faces"], 1, out)
            time.sleep(1.3)
            for name, (_, image) in people.items():
                got, err = self.st.invoke("face-recognition",
                                          {"image": base64.b64encode(read(os.path.join(FIXTURES, image))).decode()})
                self.assertIsNone(err, got)
                self.assertEqual(got["faces"][0]["name"], name)
        finally:
            for name in people:
                self.st.s3.delete_object(Bucket=GALLERY_BUCKET, Key=GALLERY_KEY + ".d/" + name + ".json")
            time.sleep(1.3)
        back, _ = self.st.invoke("face-recognition", {"image": base64.b64encode(self.obama).decode()})
        self.assertEqual(back["faces"][0]["name"], "president_obama")


if __name__ == "__main__":
    unittest.main()

"""The dashboard end to end in a real browser (issue 6): `edgeface cloud --stack template.yaml` on a
free loopback port, headless Debian Chromium driven by playwright-core (browser_check.js), and a
real device (`edgeface edge --pipeline frame`) streaming test_1.mp4 (president_biden).

Checks, in the page: it loads and shows live data; the web function's invocation count rises
once the device starts; a recognition card naming president_biden appears with its frame drawn
from the stored clip (a real frame: not blank); the clip opens (a tab with the MP4, and the
bucket browser lists the device's clips). The page's screenshot is kept as a test artifact:
<build dir>/test-artifacts/dashboard_browser.png.

Chromium and playwright-core come from tools/setup.sh (tools/browser.sh); when either is missing
the test FAILS with a message saying so (it never passes without a browser). Bounded in time:
the browser script gives up after 240 s, the device plays the video 6 times (about 13 s).
"""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import unittest

from cloud_harness import CloudServer, edgeface_bin, client_env

ROOT = os.path.abspath(os.environ.get("EDGEFACE_ROOT", os.path.join(os.path.dirname(__file__), "..", "..", "..")))
VIDEO = os.path.join(ROOT, "..", "shared", "data", "cse546", "videos", "test_1.mp4")
CHROMIUM = "/usr/bin/chromium"
PLAYWRIGHT = os.path.join(ROOT, ".deps", "browser", "node_modules", "playwright-core")
CHECK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "browser_check.js")
BROWSER_TIMEOUT_S = 240


class DashboardBrowserTest(unittest.TestCase):
    def setUp(self):
        missing = [p for p in (CHROMIUM, PLAYWRIGHT, shutil.which("node") or "node") if not os.path.exists(p)]
        if missing:
            self.fail("the browser test needs %s: run tools/setup.sh (apt chromium, tools/browser.sh)" % ", ".join(missing))
        self.spool = tempfile.mkdtemp(prefix="dash-spool-")
        self.artifacts = os.path.join(os.path.dirname(os.path.dirname(edgeface_bin())), "test-artifacts")
        os.makedirs(self.artifacts, exist_ok=True)

    def tearDown(self):
        shutil.rmtree(self.spool, ignore_errors=True)

    def test_page_shows_a_streaming_device(self):
        screenshot = os.path.join(self.artifacts, "dashboard_browser.png")
        if os.path.exists(screenshot):
            os.remove(screenshot)
        code_dir = os.path.dirname(edgeface_bin())
        template = os.path.join(ROOT, "template.yaml")
        errors = tempfile.TemporaryFile(mode="w+")  # the browser script's stderr (never blocks it)
        with CloudServer(extra_args=["--stack", template, "--parameter", "CodeDir=" + code_dir]) as cloud:
            browser = subprocess.Popen(
                ["node", CHECK, "--url", cloud.endpoint + "/_dashboard/", "--name", "president_biden",
                 "--screenshot", screenshot, "--timeout", str(BROWSER_TIMEOUT_S)],
                stdout=subprocess.PIPE, stderr=errors, stdin=subprocess.DEVNULL, text=True,
                env=dict(os.environ, EDGEFACE_ROOT=ROOT))
            device = None
            try:
                # The device starts only once the page shows the count it must see rise.
                lines = []
                loaded = threading.Event()

                def read():
                    for line in browser.stdout:
                        lines.append(line)
                        if line.strip() == "LOADED":
                            loaded.set()
                    loaded.set()
                reader = threading.Thread(target=read, daemon=True)
                reader.start()
                self.assertTrue(loaded.wait(90), "the browser did not load the page in 90 s")
                self.assertIn("LOADED\n", lines, "browser: " + "".join(lines))
                device = subprocess.Popen(
                    [edgeface_bin(), "edge", "--endpoint", cloud.endpoint, "--spool", self.spool,
                     "--device-id", "cam-browser", "--json", "--pipeline", "frame", "--realtime",
                     "--source", VIDEO, "--loop", "6"],
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
                    env=client_env())
                try:
                    browser.wait(BROWSER_TIMEOUT_S + 30)
                except subprocess.TimeoutExpired:
                    browser.kill()
                    browser.wait()
                reader.join(5)
            finally:
                if browser.poll() is None:
                    browser.kill()
                    browser.wait()
                if device is not None:
                    if device.poll() is None:
                        device.send_signal(signal.SIGINT)  # stop capturing; it uploads and exits
                    try:
                        device.communicate(timeout=60)
                    except subprocess.TimeoutExpired:
                        device.kill()
                        device.communicate()
            errors.seek(0)
            err = errors.read()
            result_lines = [l for l in lines if l.startswith("{")]
            self.assertTrue(result_lines, "no result from the browser: " + "".join(lines) + err[-3000:])
            seen = json.loads(result_lines[-1])
            self.assertNotIn("error", seen, json.dumps(seen, indent=1) + err[-3000:])
            self.assertTrue(seen["checks"]["loaded"], seen)
            self.assertTrue(seen["checks"]["invocations_rise"], seen)
            self.assertGreater(seen["invocations_after"], seen["invocations_before"])
            self.assertEqual(seen["recognition"]["name"], "president_biden", seen)
            self.assertIn("cam-browser", " ".join(seen["recognition"]["meta"]), seen)
            self.assertTrue(seen["checks"]["thumbnail_has_pixels"], seen)
            self.assertEqual(seen["clip"]["status"], 200, seen)
            self.assertEqual(seen["clip"]["type"], "video/mp4", seen)
            self.assertTrue(seen["clip"]["mp4"], seen)
            self.assertTrue(seen["clip"]["href"].split("key=")[1].startswith("cam-browser"), seen)
            self.assertTrue(seen["checks"]["clip_opens"], seen)
            self.assertEqual(seen["console_errors"], [], seen)
            self.assertTrue(os.path.getsize(screenshot) > 10000, "screenshot " + screenshot)


if __name__ == "__main__":
    unittest.main()

"""Starts a real `edgeface cloud` for integration tests driven by real AWS clients.

    from cloud_harness import CloudServer
    with CloudServer() as cloud:                 # $EDGEFACE_BIN cloud --port 0 --data <tmpdir>
        s3 = cloud.boto3_client("s3")            # endpoint, us-east-1, test/test
        cloud.aws("s3", "ls")                    # /usr/bin/aws --endpoint-url ...; CompletedProcess
        cloud.kill9(); cloud.restart()           # durability tests: same data dir, new port

Runs under Debian's /usr/bin/python3 (boto3 1.26). The server process is always stopped on exit,
and its data directory removed unless the CloudServer was given `data_dir`.
"""
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time

AWS_CLI = "/usr/bin/aws"
READY = re.compile(r"edgeface cloud ready on (http://\S+) ")
START_TIMEOUT_S = 30


def edgeface_bin():
    path = os.environ.get("EDGEFACE_BIN")
    if not path:
        root = os.environ.get("EDGEFACE_ROOT", os.path.join(os.path.dirname(__file__), "..", "..", ".."))
        path = os.path.join(root, "build", "bin", "edgeface")
    return os.path.abspath(path)


def client_env(access_key="test", secret_key="test"):
    """The environment for /usr/bin/aws (PEERS.md): dummy keys, no pager, no metadata lookups."""
    env = dict(os.environ)
    env.update({
        "AWS_ACCESS_KEY_ID": access_key,
        "AWS_SECRET_ACCESS_KEY": secret_key,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_PAGER": "",
    })
    for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_CONFIG_FILE",
                "AWS_SHARED_CREDENTIALS_FILE"):
        env.pop(var, None)
    # Config and credentials files of the machine's user must not leak into tests.
    env["AWS_CONFIG_FILE"] = os.devnull
    env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    return env


class CloudServer:
    def __init__(self, no_auth=False, data_dir=None, access_key="test", secret_key="test",
                 extra_args=(), port=0):
        self.no_auth = no_auth
        self.access_key = access_key
        self.secret_key = secret_key
        self.extra_args = list(extra_args)
        self.port = port
        self._own_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="edgeface-cloud-")
        self.proc = None
        self.endpoint = None
        self._stderr_lines = []
        self._stderr_thread = None

    # -- lifecycle -------------------------------------------------------------------------------
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
        """Starts the server and waits for its ready line (at most START_TIMEOUT_S)."""
        args = [edgeface_bin(), "cloud", "--port", str(self.port), "--data", self.data_dir,
                "--access-key", self.access_key, "--secret-key", self.secret_key]
        if self.no_auth:
            args.append("--no-auth")
        args += self.extra_args
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     stdin=subprocess.DEVNULL, text=True)
        self._stderr_lines = []
        self._stderr_thread = threading.Thread(target=self._drain_stderr, args=(self.proc,), daemon=True)
        self._stderr_thread.start()
        line_box = []
        reader = threading.Thread(target=lambda: line_box.append(self.proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(START_TIMEOUT_S)
        line = line_box[0] if line_box else ""
        m = READY.search(line)
        if not m:
            self.stop()
            raise RuntimeError("edgeface cloud did not become ready: stdout=%r stderr=%s"
                               % (line, "".join(self._stderr_lines)[-2000:]))
        self.endpoint = m.group(1)
        return self

    def _drain_stderr(self, proc):
        for line in proc.stderr:
            self._stderr_lines.append(line)

    @property
    def stderr(self):
        return "".join(self._stderr_lines)

    def stop(self, timeout=10):
        """SIGTERM and wait; returns the exit code (None if there was no process)."""
        if self.proc is None:
            return None
        code = self.proc.poll()
        if code is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                code = self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                code = self.proc.wait()
        self._finish()
        return code

    def kill9(self):
        """kill -9 the server, as a crash would (no cleanup runs in it)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        self._finish()

    def restart(self):
        """Starts a new server on the same data directory (stopping the old one if it runs).
        The port may change when it was 0: use .endpoint afterwards."""
        if self.proc is not None and self.proc.poll() is None:
            self.stop()
        return self.start()

    def close(self):
        try:
            if self.proc is not None:
                self.kill9()  # also closes the pipes of a process that already exited
        finally:
            if self._own_dir:
                shutil.rmtree(self.data_dir, ignore_errors=True)

    def _finish(self):
        p = self.proc
        if p is not None:
            for stream in (p.stdout, p.stderr):
                try:
                    stream.close()
                except Exception:
                    pass
        if self._stderr_thread is not None:
            self._stderr_thread.join(2)
        self.proc = None

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    # -- clients ---------------------------------------------------------------------------------
    def boto3_client(self, service, access_key=None, secret_key=None, **config):
        """A boto3 client for `service` on this server (Debian's boto3; region us-east-1).
        Extra keyword arguments go to botocore.config.Config (e.g. s3={"addressing_style": "path"})."""
        import boto3
        from botocore.config import Config
        cfg = {"retries": {"max_attempts": 1, "mode": "standard"}, "connect_timeout": 5, "read_timeout": 60}
        cfg.update(config)
        return boto3.session.Session().client(
            service, endpoint_url=self.endpoint, region_name="us-east-1",
            aws_access_key_id=access_key or self.access_key,
            aws_secret_access_key=secret_key or self.secret_key,
            config=Config(**cfg))

    def aws(self, *args, check=False, timeout=120, input=None, access_key=None, secret_key=None):
        """Runs /usr/bin/aws --endpoint-url <this server> ARGS; returns subprocess.CompletedProcess
        (text stdout/stderr). With check=True a non-zero exit raises CalledProcessError."""
        cmd = [AWS_CLI, "--endpoint-url", self.endpoint] + [str(a) for a in args]
        return subprocess.run(cmd, env=client_env(access_key or self.access_key, secret_key or self.secret_key),
                              capture_output=True, text=True, timeout=timeout, check=check, input=input)

    def rss_kb(self):
        """The server's resident set size in KiB (from /proc), or None."""
        try:
            with open("/proc/%d/status" % self.proc.pid) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except (OSError, AttributeError):
            return None
        return None


def wait_until(predicate, timeout=10.0, interval=0.05):
    """Polls `predicate` until true or `timeout` seconds pass; returns its last value."""
    deadline = time.monotonic() + timeout
    value = predicate()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = predicate()
    return value

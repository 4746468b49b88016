"""Prints how long `edgeface cloud` takes to its ready line with the default stack (first start:
everything created; second start: everything exists) and without a stack, three times each.
Run from the repository root: /usr/bin/python3 src/cloud/stack/start_time.py [path/to/edgeface]"""
import os
import subprocess
import sys
import tempfile
import time

BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/bin/edgeface")


def ready_after(args):
    t = time.monotonic()
    p = subprocess.Popen([BIN, "cloud", "--port", "0"] + args, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True)
    p.stdout.readline()
    elapsed = time.monotonic() - t
    p.terminate()
    p.wait()
    return elapsed


stack = ["--stack", "template.yaml", "--parameter", "CodeDir=" + os.path.dirname(BIN)]
for _ in range(3):
    with tempfile.TemporaryDirectory() as d:
        first = ready_after(["--data", d] + stack)
        second = ready_after(["--data", d] + stack)
    with tempfile.TemporaryDirectory() as d:
        bare = ready_after(["--data", d])
    print("first start %.3f s, second start %.3f s, no stack %.3f s" % (first, second, bare))

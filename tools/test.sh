#!/usr/bin/env bash
# The README's test command: set up (packages, models, build), then run every test with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
ctest --test-dir build --output-on-failure -j2 --timeout 900

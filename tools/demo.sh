#!/usr/bin/env bash
# The README's demo command. Sets up, then recognises the course's sample videos against the
# gallery of real dlib encodings and prints one answer per video.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
data=../shared/data/cse546
build/bin/edgeface recognize --gallery "$data/encoding_dlib128.json" "$data"/videos/*.mp4

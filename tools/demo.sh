#!/usr/bin/env bash
# The README's demo command. Sets up, then:
#  1. recognises the course's sample videos against the gallery of real dlib encodings;
#  2. starts the local cloud, loads the students table into its DynamoDB, stores the videos in its
#     S3 input bucket, and prints each person's record with its latency (tools/demo.py).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
data=../shared/data/cse546
echo "== 1. the face core: edgeface recognize on the sample videos"
build/bin/edgeface recognize --gallery "$data/encoding_dlib128.json" "$data"/videos/*.mp4
echo
echo "== 2. the local cloud: S3 + DynamoDB with the real boto3"
/usr/bin/python3 tools/demo.py

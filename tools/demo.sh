#!/usr/bin/env bash
# The README's demo command (issue 5 §4). Sets up, then:
#  1. starts the local cloud with the default stack (template.yaml: functions, buckets, the
#     students table, the gallery, queues) on a free loopback port, in a fresh data directory;
#  2. runs the device on the eight cse546 videos in real time through pipeline 1 (a frame every
#     0.5 s → the `web` function URL → face-recognition → student-lookup), printing each answer
#     and its latency, then the device's summary;
#  3. uploads test_case_1 (the same eight videos) to the input bucket through pipeline 3 (the S3
#     trigger runs video-recognition) and prints each result file from the output bucket;
#  4. stops everything (also on Ctrl-C or an error).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
data=../shared/data/cse546
bin=build/bin/edgeface
work=$(mktemp -d /tmp/edgeface-demo-XXXXXX)
cloud_pid=
cleanup() {
  if [ -n "$cloud_pid" ]; then kill "$cloud_pid" 2>/dev/null || true; wait "$cloud_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "== 1. the local cloud with the default stack (template.yaml)"
"$bin" cloud --port 0 --data "$work/data" --stack template.yaml > "$work/cloud.out" 2> "$work/cloud.err" &
cloud_pid=$!
for _ in $(seq 600); do
  grep -q "ready on" "$work/cloud.out" && break
  kill -0 "$cloud_pid" 2>/dev/null || { cat "$work/cloud.err" >&2; exit 1; }
  sleep 0.1
done
grep -q "ready on" "$work/cloud.out" || { echo "edgeface cloud did not start" >&2; cat "$work/cloud.err" >&2; exit 1; }
cat "$work/cloud.out"
endpoint=$(grep -o 'ready on http://[0-9.:]*' "$work/cloud.out" | cut -d' ' -f3)

echo
echo "== 2. pipeline 1: the device on the sample videos in real time, a frame every 0.5 s"
videos=$(awk -F, '$1=="test_case_1"{print "'$data'/videos/"$2}' "$data/ground_truth.csv")
sources=()
for v in $videos; do sources+=(--source "$v"); done
"$bin" edge --endpoint "$endpoint" --pipeline frame --realtime --device-id demo-camera \
  --spool "$work/spool" --labels "$data/ground_truth.csv" "${sources[@]}"

echo
echo "== 3. pipeline 3: test_case_1 uploaded to s3://546proj2, results from s3://546proj2output"
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 AWS_PAGER="" \
       AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
aws="/usr/bin/aws --endpoint-url $endpoint"
for v in $videos; do $aws s3 cp --only-show-errors "$v" "s3://546proj2/$(basename "$v")"; done
for v in $videos; do
  key=$(basename "$v" .mp4).csv
  for _ in $(seq 300); do $aws s3api head-object --bucket 546proj2output --key "$key" >/dev/null 2>&1 && break; sleep 0.1; done
  printf '%s: ' "$key"
  $aws s3 cp --only-show-errors "s3://546proj2output/$key" - || echo "(no result)"
done

echo
echo "== 4. stopping the local cloud"

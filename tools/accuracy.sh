#!/usr/bin/env bash
# The full accuracy runs of docs/accuracy.md (CI runs a subset: face_accuracy_test).
#   bash tools/accuracy.sh [BUILD_DIR]      (default build/; run from anywhere)
# Takes ~10 min of CPU, most of it LFW (7,700 images, twice: with flip augmentation, the default, and without).
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}/bin
D=../shared/data

echo "== cse546 test_case_1: 8 videos against encoding_dlib128.json (expected person from ground_truth.csv)"
files=$(awk -F, '$1=="test_case_1"{print "'$D'/cse546/videos/"$2}' $D/cse546/ground_truth.csv)
$B/edgeface recognize --json --gallery $D/cse546/encoding_dlib128.json $files |
  /usr/bin/python3 -c '
import csv, json, sys
expected = {r["file"]: r["expected_person"] for r in csv.DictReader(open(sys.argv[1])) if r["test_case"] == "test_case_1"}
right = 0
for line in sys.stdin:
    r = json.loads(line)
    name = r["file"].split("/")[-1]
    first = next((f for fr in r["frames"] for f in fr["faces"] if f["name"] != "unknown"), None)
    ok = r["person"] == expected[name]
    right += ok
    dist = "%.3f" % first["distance"] if first else "-"
    print("  %s: %s (expected %s) distance %s %s" % (name, r["person"], expected[name], dist, "" if ok else "WRONG"))
print(f"  {right}/{len(expected)} right")
' $D/cse546/ground_truth.csv

echo "== LFW: 6000 pairs, 10-fold"
$B/bench_face_lfw --threads 2
$B/bench_face_lfw --threads 2 --no-flip

echo "== face_recognition knn_examples: train on train/, recognise test/"
tmp=$(mktemp -d)
$B/edgeface train --val-split 0 --out $tmp/knn.json $D/fixtures/face_recognition/knn_examples/train
$B/edgeface recognize --gallery $tmp/knn.json $D/fixtures/face_recognition/knn_examples/test/*
echo "  expected (labels_knn_test_inferred.csv):"
sed 1d $D/fixtures/face_recognition/knn_examples/labels_knn_test_inferred.csv | sed 's/^/    /'
rm -rf "$tmp"

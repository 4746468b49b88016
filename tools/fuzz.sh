#!/usr/bin/env bash
# Builds every libFuzzer target with clang (ASan + UBSan) in build-fuzz/ and runs each one.
#   bash tools/fuzz.sh            replay each fuzzer's kept corpus (fuzz/corpus/NAME): a regression check
#   bash tools/fuzz.sh 300        fuzz each target for 300 s, growing its corpus, then minimise it
#   bash tools/fuzz.sh 300 NAME   only that target
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-0}
only=${2:-}
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
  -DCMAKE_CXX_COMPILER=clang++ -DEDGEFACE_FUZZ=ON -DEDGEFACE_TESTS=OFF -DEDGEFACE_BENCH=OFF >/dev/null
targets=$(sort -u build-fuzz/fuzzers.txt)
[ -n "$only" ] && targets=$only
[ -n "$targets" ] || { echo "fuzz: no fuzz targets"; exit 0; }
cmake --build build-fuzz --target $targets
for t in $targets; do
  corpus=fuzz/corpus/$t
  mkdir -p "$corpus"
  if [ "$seconds" = 0 ]; then
    echo "fuzz: $t: replaying $(ls "$corpus" | wc -l) inputs"
    build-fuzz/bin/$t -runs=0 "$corpus" 2>&1 | tail -1
  else
    echo "fuzz: $t: fuzzing for $seconds s"
    scratch=$(mktemp -d)
    build-fuzz/bin/$t -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 "$scratch" "$corpus" 2>&1 | tail -3
    # Keep only inputs that add coverage: the corpus stays small enough to live in git.
    min=$(mktemp -d)
    build-fuzz/bin/$t -merge=1 "$min" "$corpus" "$scratch" >/dev/null 2>&1
    rm -rf "$corpus" "$scratch" && mv "$min" "$corpus"
    echo "fuzz: $t: corpus now $(ls "$corpus" | wc -l) inputs"
  fi
done

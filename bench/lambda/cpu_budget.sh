#!/bin/bash
# Where one warm invocation's CPU time goes: runs lambda_bench against a fresh `edgeface cloud`
# (function: the empty C++ runtime, build/bin/empty_fn) and prints, per thread of the server and of
# the function instance and for the load generator, the CPU microseconds and context switches per
# invocation (from /proc/<pid>/task/<tid>/{stat,status} before and after). CPU time, unlike wall
# time, does not depend much on what else the machine runs, so this table is comparable between
# a busy and a quiet machine.
#   bash bench/lambda/cpu_budget.sh [BUILD_DIR] [N] [THREADS]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD="${1:-$ROOT/build}"
N="${2:-5000}"
T="${3:-1}"
WORK="$(mktemp -d /tmp/edgeface-cpu-budget-XXXXXX)"
CLOUD=""
cleanup() {
  [ -n "$CLOUD" ] && kill "$CLOUD" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$WORK/data/lambda"
printf '{"Functions":[{"FunctionName":"echo","Command":["%s"]}]}\n' "$BUILD/bin/empty_fn" > "$WORK/data/lambda/functions.json"
"$BUILD/bin/edgeface" cloud --port 0 --data "$WORK/data" > "$WORK/cloud.out" 2> "$WORK/cloud.err" &
CLOUD=$!
for _ in $(seq 100); do grep -q "ready on" "$WORK/cloud.out" && break; sleep 0.1; done
EP="$(grep -o 'http://[0-9.:]*' "$WORK/cloud.out")"
"$BUILD/bin/lambda_bench" --endpoint "$EP" --function echo --n 200 --threads "$T" > /dev/null  # warm

# name, context switches, CPU ticks, voluntary switches (the thread slept: a wake-up it waited
# for; the rest are preemptions, which grow with the machine's load) of every thread of the
# server and its children
snap() {
  for p in $CLOUD $(pgrep -P "$CLOUD"); do
    for t in /proc/$p/task/*; do
      echo "$p/$(basename "$t") $(tr ' ' _ < "$t/comm") $(awk '/ctxt_switches/{s+=$2} END{print s}' "$t/status") $(awk '{print $14+$15}' "$t/stat") $(awk '/^voluntary_ctxt_switches/{print $2}' "$t/status")"
    done
  done
}
snap | sort > "$WORK/s0"
/usr/bin/time -f "%U %S" -o "$WORK/client.time" "$BUILD/bin/lambda_bench" --endpoint "$EP" --function echo --n "$N" --threads "$T"
snap | sort > "$WORK/s1"
TICK_US=$((1000000 / $(getconf CLK_TCK)))
echo "per invocation (n=$N, threads=$T), load average $(cut -d' ' -f1-3 /proc/loadavg):"
join "$WORK/s0" "$WORK/s1" | awk -v n="$N" -v tick="$TICK_US" '
  { cs = ($7 - $3) / n; cpu = ($8 - $4) * tick / n; vcs = ($9 - $5) / n
    if (cs > 0.05 || cpu > 1) printf "  %-14s %-16s %6.1f us CPU  %5.2f context switches (%4.2f voluntary)\n", $1, $2, cpu, cs, vcs
    tcpu += cpu; tcs += cs; tvcs += vcs }
  END { printf "  %-31s %6.1f us CPU  %5.2f context switches (%4.2f voluntary)\n", "server + instance", tcpu, tcs, tvcs }'
read -r cu cs < "$WORK/client.time"
echo "  load generator (lambda_bench)   $(echo "($cu + $cs) * 1000000 / $N" | bc) us CPU"

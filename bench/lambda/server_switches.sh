#!/bin/bash
# CPU and context switches per request of a whole `edgeface cloud` process under one loadgen run
# (8 connections): voluntary switches are the wake-ups the server waits for (hand-offs between
# its threads), involuntary ones are preemptions, which grow with the machine's load.
#   bash bench/lambda/server_switches.sh EDGEFACE_BINARY TEMPLATE [N] [BUILD_DIR with loadgen]
# e.g. bash bench/lambda/server_switches.sh build/bin/edgeface bench/cloud/templates/dynamodb-get.tmpl
set -euo pipefail
EF=$1; T=$2; N=${3:-20000}; BUILD=${4:-build}
d=$(mktemp -d /tmp/edgeface-switches.XXXXXX)
"$EF" cloud --port 0 --data "$d/data" > "$d/out" 2> "$d/err" & pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$d"' EXIT
for _ in $(seq 200); do grep -q ready "$d/out" && break; sleep 0.05; done
ep=$(grep -o 'http://[0-9.]*:[0-9]*' "$d/out")
switches() { cat /proc/$pid/task/*/status | awk '/^voluntary_ctxt/{v+=$2} /^nonvoluntary_ctxt/{n+=$2} END{print v, n}'; }
ticks() { awk '{print $14 + $15}' /proc/$pid/stat; }
"$BUILD/bin/loadgen" --endpoint "$ep" --template "$T" --requests 2000 --connections 8 > /dev/null 2>&1  # warm, and the template's setup
read -r v0 n0 < <(switches); c0=$(ticks)
out=$("$BUILD/bin/loadgen" --endpoint "$ep" --template "$T" --requests "$N" --connections 8)
read -r v1 n1 < <(switches); c1=$(ticks)
tick_us=$((1000000 / $(getconf CLK_TCK)))
echo "$(basename "$T" .tmpl): $(grep -o '[0-9]* req/s' <<<"$out"), server CPU $(( (c1 - c0) * tick_us / N )) us/request," \
     "voluntary switches $(echo "scale=2; ($v1 - $v0) / $N" | bc)/request, involuntary $(echo "scale=2; ($n1 - $n0) / $N" | bc)/request," \
     "load average $(cut -d' ' -f1-3 /proc/loadavg)"

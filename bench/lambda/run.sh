#!/bin/bash
# Warm invoke overhead of the empty C++ function (build/bin/empty_fn: echo on the runtime client)
# and cold starts: edgeface cloud vs
# serverless-offline@13 with serverless@3 (PEERS.md), measured in the same run; prints the ratio.
#   bash bench/lambda/run.sh [BUILD_DIR] [N]
# The peer is installed with npm into /tmp/edgeface-lambda-peer on first use (skipped if npm fails).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD="${1:-$ROOT/build}"
N="${2:-2000}"
BENCH="$BUILD/bin/lambda_bench"
EDGEFACE="$BUILD/bin/edgeface"
WORK="$(mktemp -d /tmp/edgeface-lambda-bench-XXXXXX)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"

# --- edgeface cloud ---
mkdir -p "$WORK/data/lambda"
printf '{"Functions":[{"FunctionName":"echo","Command":["%s"]}]}\n' "$BUILD/bin/empty_fn" > "$WORK/data/lambda/functions.json"
"$EDGEFACE" cloud --port 0 --data "$WORK/data" > "$WORK/cloud.out" 2> "$WORK/cloud.err" &
PIDS+=($!)
for _ in $(seq 100); do grep -q "ready on" "$WORK/cloud.out" && break; sleep 0.1; done
EP="$(grep -o 'http://[0-9.:]*' "$WORK/cloud.out")"
echo "== edgeface cloud ($EP)"
ours1="$("$BENCH" --endpoint "$EP" --function echo --n "$N")"; echo "$ours1"
ours4="$("$BENCH" --endpoint "$EP" --function echo --n "$N" --threads 4)"; echo "$ours4"
echo "-- cold start, the empty C++ function (build/bin/empty_fn: the runtime and nothing else)"
"$BENCH" --endpoint "$EP" --cold 20 --cold-command "$BUILD/bin/empty_fn"
echo "-- cold start, echo inside the full edgeface binary (154 shared libraries)"
"$BENCH" --endpoint "$EP" --cold 20 --cold-command "$EDGEFACE fn echo"

# --- serverless-offline ---
PEER=/tmp/edgeface-lambda-peer
if [ ! -x "$PEER/node_modules/.bin/sls" ]; then
  mkdir -p "$PEER" && (cd "$PEER" && npm init -y >/dev/null && npm install --no-audit --no-fund serverless@3 serverless-offline@13 >/dev/null 2>&1) || true
fi
if [ ! -x "$PEER/node_modules/.bin/sls" ]; then
  echo "== serverless-offline: not installed (npm failed); no ratio"
  exit 0
fi
mkdir -p "$WORK/peer"
cat > "$WORK/peer/serverless.yml" <<'YML'
service: bench
frameworkVersion: "3"
provider:
  name: aws
  runtime: nodejs20.x
  region: us-east-1
plugins:
  - serverless-offline
functions:
  echo:
    handler: handler.echo
YML
echo 'exports.echo = async (event) => event;' > "$WORK/peer/handler.js"
ln -s "$PEER/node_modules" "$WORK/peer/node_modules"
P1=$((20000 + RANDOM % 10000)); P2=$((P1 + 1))
(cd "$WORK/peer" && SLS_TELEMETRY_DISABLED=1 exec "$PEER/node_modules/.bin/sls" offline start --host 127.0.0.1 \
   --httpPort $P1 --lambdaPort $P2 --noTimeout > "$WORK/peer.out" 2>&1) &
PIDS+=($!)
for _ in $(seq 300); do grep -q "Server ready\|Offline \[http for lambda\] listening" "$WORK/peer.out" 2>/dev/null && break; sleep 0.1; done
echo "== serverless-offline@13 (http://127.0.0.1:$P2)"
peer1="$("$BENCH" --endpoint "http://127.0.0.1:$P2" --function bench-dev-echo --n "$N" --unsigned)"; echo "$peer1"
peer4="$("$BENCH" --endpoint "http://127.0.0.1:$P2" --function bench-dev-echo --n "$N" --threads 4 --unsigned)"; echo "$peer4"

rate() { sed -E 's/.* ([0-9]+) invocations\/s/\1/' <<<"$1"; }
p50() { sed -E 's/.*p50=([0-9.]+) ms.*/\1/' <<<"$1"; }
echo "== ratio (edgeface / serverless-offline)"
echo "threads=1: throughput x$(echo "scale=2; $(rate "$ours1") / $(rate "$peer1")" | bc), p50 latency $(p50 "$ours1") vs $(p50 "$peer1") ms"
echo "threads=4: throughput x$(echo "scale=2; $(rate "$ours4") / $(rate "$peer4")" | bc), p50 latency $(p50 "$ours4") vs $(p50 "$peer4") ms"

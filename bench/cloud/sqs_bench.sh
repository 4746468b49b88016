#!/usr/bin/env bash
# SendMessage and ReceiveMessage+DeleteMessage pairs against `edgeface cloud` and against
# local-aws-sqs 2.0.2 (npm), both started here on 127.0.0.1, with the same client (bin/sqs_bench);
# prints both figures and the ratio. The fixed-request templates (sqs-*.tmpl) run with run.sh.
#
#   MESSAGES=50000 CONNECTIONS=4 BUILD=build bash bench/cloud/sqs_bench.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
MESSAGES=${MESSAGES:-20000}
CONNECTIONS=${CONNECTIONS:-4}
PEERS=${PEERS:-/tmp/edgeface-peers}
bin=$BUILD/bin
[ -x "$bin/edgeface" ] && [ -x "$bin/sqs_bench" ] || { echo "sqs_bench.sh: build edgeface and sqs_bench in $BUILD first" >&2; exit 2; }
if [ ! -d "$PEERS/node_modules/local-aws-sqs" ]; then
  mkdir -p "$PEERS"
  (cd "$PEERS" && { [ -f package.json ] || npm init -y >/dev/null; } &&
   npm install --no-audit --no-fund local-aws-sqs@2.0.2 >/dev/null)
fi

scratch=$(mktemp -d /tmp/edgeface-sqs-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$scratch"
}
trap cleanup EXIT
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

"$bin/edgeface" cloud --port 0 --data "$scratch/edgeface" >"$scratch/edgeface.out" 2>"$scratch/edgeface.err" &
ef_pid=$!
pids+=("$ef_pid")
for _ in $(seq 200); do grep -q ready "$scratch/edgeface.out" && break; sleep 0.05; done
ef_endpoint=$(grep -o 'http://[0-9.]*:[0-9]*' "$scratch/edgeface.out")

peer_port=$(free_port)
NODE_PATH="$PEERS/node_modules" node bench/cloud/sqs_peer.js "$peer_port" >"$scratch/peer.log" 2>&1 &
peer_pid=$!
pids+=("$peer_pid")
for _ in $(seq 200); do grep -q ready "$scratch/peer.log" && break; sleep 0.05; done

echo "$MESSAGES messages on $CONNECTIONS connections; edgeface $ef_endpoint (pid $ef_pid), local-aws-sqs port $peer_port (pid $peer_pid)"
"$bin/sqs_bench" --endpoint "$ef_endpoint" --label edgeface --messages "$MESSAGES" --connections "$CONNECTIONS" --pid "$ef_pid" | tee "$scratch/ef.txt"
"$bin/sqs_bench" --endpoint "http://127.0.0.1:$peer_port" --label local-aws-sqs --messages "$MESSAGES" --connections "$CONNECTIONS" --pid "$peer_pid" | tee "$scratch/peer.txt"
for op in sqs-send sqs-receive-delete; do
  ours=$(awk -v op=$op '$1=="RESULT" && $3==op {print $4}' "$scratch/ef.txt")
  theirs=$(awk -v op=$op '$1=="RESULT" && $3==op {print $4}' "$scratch/peer.txt")
  awk -v op=$op -v a="$ours" -v b="$theirs" 'BEGIN { printf "RATIO %s edgeface/local-aws-sqs = %.1fx (%s vs %s per second)\n", op, (b > 0 ? a / b : 0), a, b }'
done

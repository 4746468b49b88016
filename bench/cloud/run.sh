#!/usr/bin/env bash
# Runs each request template against `edgeface cloud` and against the template's peer (s3rver,
# dynalite, local-aws-sqs from npm, installed into /tmp/edgeface-peers), both started here on
# 127.0.0.1, with the same load generator; prints both figures and the ratio.
#
#   bash bench/cloud/run.sh                                   every template in bench/cloud/templates
#   bash bench/cloud/run.sh bench/cloud/templates/s3-put-1k.tmpl ...
#   REQUESTS=100000 CONNECTIONS=8 BUILD=build bash bench/cloud/run.sh
#   EDGEFACE=/path/to/older/edgeface bash bench/cloud/run.sh ...   another edgeface binary (before/after)
#   PEER=0 bash bench/cloud/run.sh ...                             edgeface only
# Extra environment for the server (e.g. EDGEFACE_S3_INLINE_MAX_BYTES=0) passes through.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
REQUESTS=${REQUESTS:-20000}
CONNECTIONS=${CONNECTIONS:-4}
PEERS=${PEERS:-/tmp/edgeface-peers}
bin=$BUILD/bin
EDGEFACE=${EDGEFACE:-$bin/edgeface}
PEER=${PEER:-1}
[ -x "$EDGEFACE" ] && [ -x "$bin/loadgen" ] || { echo "run.sh: build edgeface and loadgen in $BUILD first" >&2; exit 2; }
templates=("$@")
[ ${#templates[@]} -gt 0 ] || templates=(bench/cloud/templates/*.tmpl)

if [ ! -x "$PEERS/node_modules/.bin/s3rver" ] || [ ! -x "$PEERS/node_modules/.bin/dynalite" ] ||
   [ ! -d "$PEERS/node_modules/local-aws-sqs" ]; then
  echo "run.sh: installing the peers into $PEERS" >&2
  mkdir -p "$PEERS"
  (cd "$PEERS" && { [ -f package.json ] || npm init -y >/dev/null; } &&
   npm install --no-audit --no-fund s3rver@3.7.1 dynalite@4.0.0 local-aws-sqs@2.0.2 >/dev/null)
fi

scratch=$(mktemp -d /tmp/edgeface-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$scratch"
}
trap cleanup EXIT

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
  for _ in $(seq 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "run.sh: nothing listens on port $1" >&2
  return 1
}

"$EDGEFACE" cloud --port 0 --data "$scratch/edgeface" >"$scratch/edgeface.out" 2>"$scratch/edgeface.err" &
ef_pid=$!
pids+=("$ef_pid")
for _ in $(seq 200); do grep -q ready "$scratch/edgeface.out" && break; sleep 0.05; done
ef_endpoint=$(grep -o 'http://[0-9.]*:[0-9]*' "$scratch/edgeface.out")
echo "edgeface cloud ($EDGEFACE) at $ef_endpoint (pid $ef_pid); $REQUESTS requests on $CONNECTIONS connections per run"
echo "date $(date -u +%FT%TZ), commit $(git rev-parse --short HEAD 2>/dev/null), load average $(cut -d' ' -f1-3 /proc/loadavg)"

start_peer() {  # start_peer NAME PORT DIR -> prints the pid
  local name=$1 port=$2 dir=$3
  mkdir -p "$dir"
  case $name in
    s3rver) "$PEERS/node_modules/.bin/s3rver" -d "$dir" -a 127.0.0.1 -p "$port" --silent >"$dir.log" 2>&1 & ;;
    dynalite) "$PEERS/node_modules/.bin/dynalite" --host 127.0.0.1 --port "$port" --createTableMs 0 >"$dir.log" 2>&1 & ;;
    local-aws-sqs)
      (cd "$PEERS" && exec node -e "require('local-aws-sqs').createSqsServer({port: $port, hostname: '127.0.0.1', emulateQueueCreationLifecycle: false})") >"$dir.log" 2>&1 & ;;
    *) echo "run.sh: unknown peer '$name'" >&2; return 1 ;;
  esac
  echo $!
}

# CPU time (user + system, in clock ticks of 10 ms) a process has used so far.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# "server CPU N us/request" over a run of $REQUESTS (+200 warm-up) requests.
cpu_per_request() {  # cpu_per_request TICKS_BEFORE TICKS_AFTER
  awk -v a="$1" -v b="$2" -v n="$REQUESTS" 'BEGIN { printf "server CPU %.0f us/request", (b - a) * 10000 / (n + 200) }'
}

for t in "${templates[@]}"; do
  peer=$(awk -F': *' '/^peer:/ {print $2; exit}' "$t")
  ef_cpu0=$(cpu_ticks "$ef_pid")
  ef=$("$bin/loadgen" --endpoint "$ef_endpoint" --template "$t" --requests "$REQUESTS" \
        --connections "$CONNECTIONS" --pid "$ef_pid" --label edgeface 2>/dev/null)
  echo "$ef" | grep -v '^RESULT'
  echo "  $(cpu_per_request "$ef_cpu0" "$(cpu_ticks "$ef_pid")"), load average $(cut -d' ' -f1-3 /proc/loadavg)"
  ef_rate=$(echo "$ef" | awk '/^RESULT/ {print $4}')
  [ -n "$peer" ] && [ "$PEER" = 1 ] || continue
  port=$(free_port)
  peer_pid=$(start_peer "$peer" "$port" "$scratch/$peer-$port")
  pids+=("$peer_pid")
  wait_port "$port"
  keys=(--access-key test --secret-key test)
  [ "$peer" = s3rver ] && keys=(--access-key S3RVER --secret-key S3RVER)
  peer_cpu0=$(cpu_ticks "$peer_pid")
  pr=$("$bin/loadgen" --endpoint "http://127.0.0.1:$port" --template "$t" --requests "$REQUESTS" \
        --connections "$CONNECTIONS" --pid "$peer_pid" --label "$peer" "${keys[@]}" 2>/dev/null)
  echo "$pr" | grep -v '^RESULT'
  echo "  $(cpu_per_request "$peer_cpu0" "$(cpu_ticks "$peer_pid")") (peer, includes its setup), load average $(cut -d' ' -f1-3 /proc/loadavg)"
  peer_rate=$(echo "$pr" | awk '/^RESULT/ {print $4}')
  kill "$peer_pid" 2>/dev/null || true
  wait "$peer_pid" 2>/dev/null || true
  awk -v a="$ef_rate" -v b="$peer_rate" -v t="$(basename "$t" .tmpl)" -v p="$peer" \
    'BEGIN { if (b > 0) printf "%s: edgeface / %s throughput = %.1fx\n\n", t, p, a / b; else print t ": peer gave no figure\n" }'
done

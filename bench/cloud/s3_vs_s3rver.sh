#!/usr/bin/env bash
# S3 throughput and latency, edgeface vs s3rver (npm s3rver@3.7.1), same load generator, same run.
#   bash bench/cloud/s3_vs_s3rver.sh [BUILD_DIR] [REQUESTS_1K] [CONNECTIONS]
# Runs s3-put-1k, s3-get-1k, s3-put-1m, s3-get-1m (1 MiB runs use REQUESTS_1K/20 requests) and
# prints each server's loadgen RESULT line and the ratio edgeface/s3rver. Both listen on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
n1k=${2:-20000}
conns=${3:-4}
peer_dir=/tmp/edgeface-bench-s3rver
if [ ! -x "$peer_dir/node_modules/.bin/s3rver" ]; then
  mkdir -p "$peer_dir"
  (cd "$peer_dir" && npm init -y >/dev/null && npm install --no-audit --no-fund s3rver@3.7.1 >/dev/null)
fi
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
scratch=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$scratch"; }
trap cleanup EXIT

edge_port=$(free_port)
"$build/bin/edgeface" cloud --port "$edge_port" --data "$scratch/edgeface" >"$scratch/edge.out" 2>&1 &
edge_pid=$!; pids+=("$edge_pid")
peer_port=$(free_port)
mkdir -p "$scratch/s3rver"
"$peer_dir/node_modules/.bin/s3rver" -d "$scratch/s3rver" -a 127.0.0.1 -p "$peer_port" --silent >"$scratch/peer.out" 2>&1 &
peer_pid=$!; pids+=("$peer_pid")
for _ in $(seq 100); do
  grep -q "ready on" "$scratch/edge.out" 2>/dev/null && (exec 3<>/dev/tcp/127.0.0.1/"$peer_port") 2>/dev/null && break
  sleep 0.1
done

echo "machine: $(nproc) cores; edgeface $(git rev-parse --short HEAD); s3rver 3.7.1; $conns connections"
for t in s3-put-1k s3-get-1k s3-put-1m s3-get-1m; do
  n=$n1k
  case $t in *1m) n=$((n1k / 20)) ;; esac
  edge=$("$build/bin/loadgen" --endpoint "http://127.0.0.1:$edge_port" --template "bench/cloud/templates/$t.tmpl" \
          --connections "$conns" --requests "$n" --label edgeface --pid "$edge_pid" 2>/dev/null | grep '^RESULT')
  peer=$("$build/bin/loadgen" --endpoint "http://127.0.0.1:$peer_port" --template "bench/cloud/templates/$t.tmpl" \
          --connections "$conns" --requests "$n" --label s3rver --pid "$peer_pid" \
          --access-key S3RVER --secret-key S3RVER 2>/dev/null | grep '^RESULT')
  echo "$edge"
  echo "$peer"
  awk -v a="$edge" -v b="$peer" -v t="$t" 'BEGIN { split(a, x, " "); split(b, y, " ");
      printf "RATIO %s throughput x%.1f  p99 %s ms vs %s ms\n", t, x[4] / y[4], x[6], y[6] }'
done

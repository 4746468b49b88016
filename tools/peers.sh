#!/usr/bin/env bash
# Installs the third-party AWS-compatible servers the client tests run against (docs/aws.md,
# /work/shared/docs/PEERS.md), pinned to exact versions, into a directory outside the sources:
#
#   tools/peers.sh [DIR]        DIR default .deps/peers (git-ignored); prints DIR when ready
#
#   s3rver 3.7.1         S3 (REST-XML), accepts only the access key S3RVER
#   dynalite 4.0.0       DynamoDB (JSON 1.0), in memory
#   local-aws-sqs 2.0.2  SQS (query and JSON protocols), started through its createSqsServer()
#
# Safe to run twice: when each package is present at its pinned version nothing is fetched.
# Install scripts are not run (none is needed: dynalite keeps its tables in memory, so
# classic-level's native build is never loaded).
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-.deps/peers}
declare -A VERSION=([s3rver]=3.7.1 [dynalite]=4.0.0 [local-aws-sqs]=2.0.2)

installed() {  # installed NAME: the version under DIR/node_modules, or nothing
  local f="$DIR/node_modules/$1/package.json"
  [ -f "$f" ] && sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$f" | head -1
}

need=()
for p in "${!VERSION[@]}"; do
  [ "$(installed "$p")" = "${VERSION[$p]}" ] || need+=("$p@${VERSION[$p]}")
done
if [ ${#need[@]} -gt 0 ]; then
  command -v npm >/dev/null || { echo "peers: npm is missing (apt-get install nodejs npm)" >&2; exit 1; }
  echo "peers: installing ${need[*]} into $DIR" >&2
  mkdir -p "$DIR"
  [ -f "$DIR/package.json" ] || echo '{"name": "edgeface-peers", "private": true}' > "$DIR/package.json"
  npm install --prefix "$DIR" --no-audit --no-fund --ignore-scripts --save-exact \
    s3rver@${VERSION[s3rver]} dynalite@${VERSION[dynalite]} local-aws-sqs@${VERSION[local-aws-sqs]} >&2
  for p in "${!VERSION[@]}"; do
    [ "$(installed "$p")" = "${VERSION[$p]}" ] || { echo "peers: $p is not at ${VERSION[$p]} after npm install" >&2; exit 1; }
  done
fi
cd "$DIR" && pwd

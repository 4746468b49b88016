#!/usr/bin/env bash
# Installs everything edgeface needs on a Debian 12 machine and builds it.
# Safe to run twice: apt and npm skip what is present; the model files are checked by SHA-256
# and converted only when missing or stale. Nothing is downloaded at run time.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: compilers, the libraries the code links, the real AWS clients for tests.
APT_PACKAGES=(
  build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev
  libdlib-dev libdlib-data libopenblas-dev libdnnl-dev
  libboost1.81-dev nlohmann-json3-dev libexpat1-dev libssl-dev libsqlite3-dev libcurl4-openssl-dev
  libavformat-dev libavcodec-dev libavutil-dev libswscale-dev libavdevice-dev
  libturbojpeg0-dev libjpeg62-turbo-dev libpng-dev libwebp-dev
  libgtest-dev libgmock-dev libbenchmark-dev libmimalloc-dev libyaml-dev
  awscli python3-boto3 ca-certificates
  zip unzip
  ffmpeg  # the ffmpeg CLI: bench/pipelines/five_minutes.sh builds its camera stream
  chromium  # the dashboard's browser test (tools/browser.sh)
)
# Node.js and npm only fetch the model weights; a machine may already have its own newer pair.
command -v npm >/dev/null 2>&1 || APT_PACKAGES+=(nodejs npm)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Face-model weights from npm, pinned and verified (tools/models.sh owns the details).
bash tools/models.sh
bash tools/peers.sh >/dev/null  # s3rver, dynalite, local-aws-sqs (pinned) for the client tests
bash tools/browser.sh  # playwright-core, pinned, for the dashboard's browser test

# Build.
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build

# dlib's landmark model and HOG detector, converted once into fast-loading files (docs/face.md).
[ -f models/shape_predictor_68.eflm ] && [ -f models/frontal_face_detector.efhog ] || build/bin/edgeface convert-models --dir models

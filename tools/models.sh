#!/usr/bin/env bash
# Puts the face-model files into models/ (git-ignored), verified by SHA-256. Safe to run twice.
#   models/face_recognition_model.bin + -weights_manifest.json: dlib's ResNet descriptor network,
#     uint8-quantised TensorFlow.js weights from the npm package @vladmandic/face-api (pinned);
#   the 68-point landmark model comes from Debian's libdlib-data (/usr/share/dlib).
set -euo pipefail
cd "$(dirname "$0")/.."

FACE_API_VERSION=1.7.15
declare -A SHA256=(
  [face_recognition_model.bin]=b413e420d6840b2775fba32008db6f3cddb07d485967fb42cfcf379c16a8c589
  [face_recognition_model-weights_manifest.json]=cbaffa501b0b9275a12b63357a6843e7e30c054e1c9151e1a5f879b26e32986b
)
LANDMARKS=/usr/share/dlib/shape_predictor_68_face_landmarks.dat
LANDMARKS_SHA256=fbdc2cb80eb9aa7a758672cbfdda32ba6300efe9b6e6c7a299ff7e736b11b92f

check() { echo "$2  $1" | sha256sum --quiet -c - >/dev/null 2>&1; }

mkdir -p models
need=0
for f in "${!SHA256[@]}"; do check "models/$f" "${SHA256[$f]}" || need=1; done
if [ $need = 1 ]; then
  echo "models: fetching @vladmandic/face-api@$FACE_API_VERSION from npm"
  mkdir -p .deps/npm
  npm install --prefix .deps/npm --no-audit --no-fund --ignore-scripts --no-save \
    "@vladmandic/face-api@$FACE_API_VERSION" >/dev/null
  for f in "${!SHA256[@]}"; do
    src=.deps/npm/node_modules/@vladmandic/face-api/model/$f
    if ! check "$src" "${SHA256[$f]}"; then
      echo "models: $src does not match its pinned SHA-256; refusing to use it" >&2
      exit 1
    fi
    cp "$src" "models/$f.part" && mv "models/$f.part" "models/$f"
  done
fi
if ! check "$LANDMARKS" "$LANDMARKS_SHA256"; then
  echo "models: $LANDMARKS is missing or not the expected file (apt-get install libdlib-data)" >&2
  exit 1
fi
echo "models: ready in models/"

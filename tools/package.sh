#!/usr/bin/env bash
# Packages each function of template.yaml as an AWS Lambda provided.al2023 zip (docs/aws.md).
#
#   tools/package.sh [BUILD_DIR] [OUT_DIR] [FUNCTION...]
#       BUILD_DIR  default build         (needs bin/edgeface and bin/edgeface-fn built)
#       OUT_DIR    default BUILD_DIR/package
#       FUNCTION   default: every FunctionName in template.yaml
#   EDGEFACE_ZIP_LEVEL=0..9 (default 6): zip's compression level (tests use 1: faster).
#
# A zip holds, at its top:
#   bootstrap   a shell script: runs the binary through the bundled dynamic loader
#   bin/        edgeface-fn (face-recognition, student-lookup, web, enroll: no FFmpeg, reads
#               _HANDLER) or edgeface (video-splitting, video-recognition: `edgeface fn $_HANDLER`)
#   lib/        every shared library `ldd` lists for that binary, glibc and its loader included
#   models/     the face models (FacePipeline::DefaultModelsDir() is pointed here by EDGEFACE_MODELS)
#
# Why glibc is bundled and the loader runs the binary (aws-lambda-cpp's default, not its
# NO_LIBC mode): the libraries of a Debian 12 build need GLIBC_2.35/2.36 symbols (libstdc++,
# libexpat, FFmpeg), and Amazon Linux 2023 has glibc 2.34, so the system's libc cannot run them.
# Running `lib/ld-linux-x86-64.so.2 --library-path lib` makes the package self-contained and
# independent of the base image's libraries; it also means LD_LIBRARY_PATH need not be set.
# Each kind (lean, full) is staged and zipped once, to OUT_DIR/stage/<kind>.zip; the per-function
# zips are hard links to (or copies of) it.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
OUT=${2:-$BUILD/package}
shift $(( $# >= 2 ? 2 : $# ))
LEVEL=${EDGEFACE_ZIP_LEVEL:-6}
LEAN_FUNCTIONS=" face-recognition student-lookup web enroll "
MODEL_FILES=(face_recognition_model.bin face_recognition_model-weights_manifest.json
             shape_predictor_68.eflm frontal_face_detector.efhog)

die() { echo "package: $*" >&2; exit 1; }

if [ $# -gt 0 ]; then
  FUNCTIONS=("$@")
else
  mapfile -t FUNCTIONS < <(awk '$1 == "FunctionName:" {print $2}' template.yaml)
fi
[ ${#FUNCTIONS[@]} -gt 0 ] || die "no functions (template.yaml has no FunctionName?)"
for m in "${MODEL_FILES[@]}"; do
  [ -f "models/$m" ] || die "models/$m is missing (tools/models.sh, then: $BUILD/bin/edgeface convert-models --dir models)"
done
command -v zip >/dev/null || die "zip is missing (apt-get install zip)"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

# stage KIND BINARY: the tree of one kind in $OUT/stage/KIND, zipped to $OUT/stage/KIND.zip.
stage() {
  local kind=$1 binary=$2 dir="$OUT/stage/$1"
  [ -x "$binary" ] || die "$binary is not built (cmake --build $BUILD --target edgeface edgeface-fn)"
  rm -rf "$dir" "$dir.zip"
  mkdir -p "$dir/bin" "$dir/lib" "$dir/models"
  cp "$binary" "$dir/bin/"
  local name
  name=$(basename "$binary")
  # ldd lines: "libx.so.1 => /path/libx.so.1 (0x...)", "/lib64/ld-linux-x86-64.so.2 (0x...)",
  # "linux-vdso.so.1 (0x...)" (in the kernel: skipped), "libx.so.1 => not found".
  if ldd "$binary" | grep -q "not found"; then die "$binary: $(ldd "$binary" | grep "not found" | head -3)"; fi
  ldd "$binary" | awk '$2 == "=>" && $3 ~ /^\// {print $1, $3} $1 ~ /^\// {n=split($1, p, "/"); print p[n], $1}' |
    while read -r soname path; do cp -L "$path" "$dir/lib/$soname"; done
  [ -f "$dir/lib/ld-linux-x86-64.so.2" ] || die "$binary: no ld-linux-x86-64.so.2 in ldd's list"
  for m in "${MODEL_FILES[@]}"; do cp "models/$m" "$dir/models/"; done
  local run="\"\$root/bin/$name\""
  [ "$kind" = full ] && run="\"\$root/bin/$name\" fn \"\$_HANDLER\""
  cat > "$dir/bootstrap" <<EOF
#!/bin/sh
# Lambda custom-runtime entry point (tools/package.sh): the bundled loader runs the binary with
# the bundled libraries only, so the base image's glibc version does not matter.
root=\${LAMBDA_TASK_ROOT:-\$(cd "\$(dirname "\$0")" && pwd)}
export EDGEFACE_MODELS="\${EDGEFACE_MODELS:-\$root/models}"
exec "\$root/lib/ld-linux-x86-64.so.2" --library-path "\$root/lib" $run
EOF
  chmod 755 "$dir/bootstrap" "$dir/lib/ld-linux-x86-64.so.2"
  # Every library must resolve inside lib/ (nothing from this machine's /lib).
  local outside
  outside=$("$dir/lib/ld-linux-x86-64.so.2" --list --inhibit-cache --library-path "$dir/lib" "$dir/bin/$name" |
            awk -v lib="$dir/lib/" '$2 == "=>" && index($3, lib) != 1 {print $1 " => " $3}')
  [ -z "$outside" ] || die "$kind: libraries resolved outside the package: $outside"
  (cd "$dir" && zip -q -r -X -"$LEVEL" "$dir.zip.tmp" bootstrap bin lib models)
  mv "$dir.zip.tmp" "$dir.zip"
  local bytes
  bytes=$(du -sb "$dir" | cut -f1)
  echo "package: $kind: $(ls "$dir/lib" | wc -l) libraries, $bytes bytes unpacked, $(stat -c %s "$dir.zip") zipped" >&2
  # What takes the space (docs/aws.md): the three parts, then the largest libraries.
  echo "package: $kind: $(cd "$dir" && du -sb bin lib models | awk '{printf "%s %s B  ", $2, $1}')" >&2
  echo "package: $kind: largest libraries: $(cd "$dir/lib" && du -b -- * | sort -rn | head -8 |
       awk '{printf "%s %.1f MB, ", $2, $1 / 1e6}')" >&2
  # Lambda's limit for a zip deployment: 250 MB unzipped (262,144,000 bytes), layers included.
  if [ "$bytes" -gt 262144000 ]; then
    echo "package: warning: $kind is over Lambda's 250 MB unzipped limit for zip packages: deploy it as a container image (packaging/Dockerfile)" >&2
  fi
  rm -rf "$dir"  # the zip is the product; the staged tree would double the disk used
}

need_lean=0 need_full=0
for f in "${FUNCTIONS[@]}"; do
  if [[ "$LEAN_FUNCTIONS" == *" $f "* ]]; then need_lean=1; else need_full=1; fi
done
[ $need_lean = 1 ] && stage lean "$BUILD/bin/edgeface-fn"
[ $need_full = 1 ] && stage full "$BUILD/bin/edgeface"

for f in "${FUNCTIONS[@]}"; do
  kind=full
  [[ "$LEAN_FUNCTIONS" == *" $f "* ]] && kind=lean
  # Equal content: a hard link where the file system allows (saves 100-200 MB per function).
  ln -f "$OUT/stage/$kind.zip" "$OUT/$f.zip" 2>/dev/null || cp "$OUT/stage/$kind.zip" "$OUT/$f.zip"
  printf '%s\t%s bytes\t(%s)\n' "$OUT/$f.zip" "$(stat -c %s "$OUT/$f.zip")" "$kind"
done

#!/usr/bin/env bash
# The browser test's tools (issue 6, the dashboard's end-to-end test): Debian's Chromium
# (/usr/bin/chromium, installed by tools/setup.sh from APT_PACKAGES) driven by playwright-core from
# npm, pinned, into .deps/browser (git-ignored). Never downloads a browser: playwright-core has no
# browser of its own and install scripts are off. Safe to run twice.
set -euo pipefail
cd "$(dirname "$0")/.."

PLAYWRIGHT_CORE_VERSION=1.64.1
DIR=.deps/browser

if [ ! -x /usr/bin/chromium ]; then
  echo "browser: /usr/bin/chromium is missing (apt-get install chromium)" >&2
  exit 1
fi
installed=$(node -p "require('./$DIR/node_modules/playwright-core/package.json').version" 2>/dev/null || true)
if [ "$installed" != "$PLAYWRIGHT_CORE_VERSION" ]; then
  echo "browser: installing playwright-core@$PLAYWRIGHT_CORE_VERSION into $DIR"
  mkdir -p "$DIR"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --prefix "$DIR" --no-audit --no-fund --ignore-scripts \
    --no-save "playwright-core@$PLAYWRIGHT_CORE_VERSION" >/dev/null
fi
echo "browser: playwright-core $PLAYWRIGHT_CORE_VERSION in $DIR, $(/usr/bin/chromium --version 2>/dev/null)"

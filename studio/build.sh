#!/usr/bin/env bash
# Builds the Studio into the folder given (Maven passes target/classes/studio, so the jar serves
# it), when its sources changed since the last build there. Installs its npm packages first when
# package-lock.json changed. Needs Node.js 20+ and npm; without them the server is built without
# the Studio and says so at GET /.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here/dist}"
cd "$here"
if ! command -v npm >/dev/null; then
  echo "studio: npm not found, so this build has no Studio (install Node.js 20+ and npm)" >&2
  exit 0
fi
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
stamp="$out/.built"
if [[ -f "$stamp" && -z "$(find src index.html vite.config.ts package-lock.json -newer "$stamp" -print -quit)" ]]; then
  exit 0
fi
STUDIO_OUT="$out" node_modules/.bin/vite build --logLevel warn
touch "$stamp"

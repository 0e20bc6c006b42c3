#!/usr/bin/env bash
# The Studio's load figures (issue 22): initial JavaScript, time to an interactive endpoints list
# with an empty cache, and Lighthouse performance and accessibility, in Debian's Chromium against
# `bin/slipway serve` on a fresh embedded PostgreSQL with 30 endpoints, all on loopback.
#   bench/studio/run.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$here/../.."
[[ -x /usr/bin/chromium ]] || apt-get install -y -q chromium
[[ -x "$here/node_modules/.bin/lighthouse" ]] || (cd "$here" && npm install --no-audit --no-fund lighthouse@13)

work="$(mktemp -d)"
token="bench-token-0123456789abcdef"
SLIPWAY_DATA_DIR="$work/data" SLIPWAY_PORT=0 SLIPWAY_CONTROL_PORT=0 SLIPWAY_HOST=127.0.0.1 \
  SLIPWAY_ADMIN_TOKEN="$token" "$root/bin/slipway" serve >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 600); do
  port="$(sed -n 's/.*the platform API on :\([0-9]*\).*/\1/p' "$work/server.log" | head -n 1)"
  [[ -n "$port" ]] && curl -sf "http://127.0.0.1:$port/api/health" >/dev/null && break
  sleep 0.5
done
[[ -n "${port:-}" ]] || { cat "$work/server.log"; exit 1; }
url="http://127.0.0.1:$port"
api() { curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' "$@"; }
api -X POST "$url/api/members" -d '{"email":"bench@example.com","role":"owner","password":"a long bench passphrase"}' >/dev/null
for i in $(seq 1 30); do
  api -X POST "$url/api/endpoints" -d "{\"name\":\"bench-$i\",\"method\":\"GET\",\"path\":\"/api/bench/$i\",\"response\":{\"body\":{\"n\":$i}}}" >/dev/null
done
api -X POST "$url/api/deploy" >/dev/null
cookie="$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' "$url/api/auth/login" \
  -d '{"email":"bench@example.com","password":"a long bench passphrase"}' | sed -n 's/^Set-Cookie: \(slipway_session=[^;]*\).*/\1/Ip' | tr -d '\r')"
STUDIO_URL="$url" STUDIO_COOKIE="$cookie" node "$here/measure.mjs"

#!/usr/bin/env bash
# bench/first-contact/run.sh [ROUNDS] — what a new user waits for (issue 18, items 2 and 6), in the
# default set-up (bin/slipway serve, embedded PostgreSQL), ROUNDS times (3):
#   fresh   launch on an empty data directory to /api/health 200
#   crash   after kill -9 of the server alone (its PostgreSQL left running), launch to health 200
#   then, right after that health 200, the answer times of the first /api/execute in JavaScript,
#   the first in TypeScript (a source never seen, so nothing is cached) and the next TypeScript one.
# Prints one line per round; the server's log is in the work directory.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
rounds=${1:-3}
work=$(mktemp -d /tmp/slipway-first-contact.XXXXXX)
. "$repo/bench/lib.sh"
"$repo/bin/slipway" help >/dev/null 2>&1 || true   # builds when needed, outside the timings

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

launch() { # sets server, and took: seconds from launch to health 200
  local began
  began=$(now)
  SLIPWAY_DATA_DIR="$work/data" SLIPWAY_PORT=$port SLIPWAY_CONTROL_PORT=$control SLIPWAY_HOST=127.0.0.1 \
    SLIPWAY_ADMIN_TOKEN=$token "$repo/bin/slipway" serve >> "$work/slipway.log" 2>&1 &
  server=$!
  until curl -sf --max-time 1 -o /dev/null "$api/api/health"; do
    kill -0 "$server" 2>/dev/null || { tail -30 "$work/slipway.log" >&2; exit 1; }
    sleep 0.05
  done
  took=$(since "$began")
}

execute() { # CODE — prints seconds to the answer, which must be 200
  local began status
  began=$(now)
  status=$(curl -s -o "$work/out" -w '%{http_code}' -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    --data-binary "{\"code\": \"$1\"}" "$api/api/execute")
  [[ $status == 200 ]] || { echo "bench: execute answered $status $(cat "$work/out")" >&2; exit 1; }
  since "$began"
}

cleanup() {
  [[ -n ${server:-} ]] && kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  pkill -f "$work/data" 2>/dev/null || true
  rm -rf "$work/data"
}
trap cleanup EXIT

port=$(free_port); control=$(free_port); token=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
api="http://127.0.0.1:$control"
echo "round fresh_s crash_restart_s first_js_s first_ts_s next_ts_s"
for round in $(seq 1 "$rounds"); do
  rm -rf "$work/data"
  launch; fresh=$took
  sleep 5
  kill -9 "$server"; wait "$server" 2>/dev/null || true
  launch; crash=$took
  nonce=$RANDOM$RANDOM
  js=$(execute "return $nonce + 1;")
  ts=$(execute "const n: number = $nonce; interface R { n: number } return { n } as R;")
  next=$(execute "const m: string = 'x$nonce'; return m.length;")
  echo "$round $fresh $crash $js $ts $next"
  cleanup
  server=""
done

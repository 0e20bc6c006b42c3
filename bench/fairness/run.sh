#!/usr/bin/env bash
# bench/fairness/run.sh — one endpoint flooded by hostile or slow calls, the others measured.
#
# Starts `bin/slipway serve` in the default set-up (embedded PostgreSQL, a fresh data directory),
# deploys two quiet endpoints (quiet-sql: a primary-key read of the demo data; quiet-script: a short
# TypeScript step) and three floods (flood-loop: `while (true) {}`; flood-bomb: a memory bomb;
# flood-sleep: `select pg_sleep(3)`). Then, round by round, it loads both quiet endpoints at once
# with wrk, first with nothing else ("none") and then while one flood runs, each flood in turn
# (the flood starts FLOOD_LEAD before the quiet load and ends after it). It prints, per round and
# flood, each quiet endpoint's throughput and p99 next to the same round's quiet figures, and what
# the flood's own callers got (statuses, slowest answer).
#
# Environment: ROUNDS=2 DURATION=10s FLOOD_LEAD=2 QUIET_CONNS=8
#              LOOP_CONNS=6 BOMB_CONNS=2 SLEEP_CONNS=24 (the callers of issue 18's measurements)
#              FLOODS="loop bomb sleep"  SLIPWAY_* settings pass through to the server
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
ROUNDS=${ROUNDS:-2}
DURATION=${DURATION:-10s}
FLOOD_LEAD=${FLOOD_LEAD:-2}
QUIET_CONNS=${QUIET_CONNS:-8}
FLOODS=${FLOODS:-loop bomb sleep}
declare -A CONNS=([loop]=${LOOP_CONNS:-6} [bomb]=${BOMB_CONNS:-2} [sleep]=${SLEEP_CONNS:-24})

command -v wrk >/dev/null || { echo "fairness: needs wrk (apt-get install wrk)" >&2; exit 1; }
work=$(mktemp -d /tmp/slipway-fairness.XXXXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
control=$(free_port)
token=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
log="$work/slipway.log"

server=""
cleanup() {
  [[ -n $server ]] && kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  rm -rf "$work/data"
}
trap cleanup EXIT

echo "fairness: starting slipway (embedded PostgreSQL in $work/data), log $log" >&2
SLIPWAY_DATA_DIR="$work/data" SLIPWAY_PORT=$port SLIPWAY_CONTROL_PORT=$control SLIPWAY_HOST=127.0.0.1 \
  SLIPWAY_ADMIN_TOKEN=$token "$repo/bin/slipway" serve > "$log" 2>&1 &
server=$!
api="http://127.0.0.1:$control"
data="http://127.0.0.1:$port"
for _ in $(seq 1 600); do
  curl -sf --max-time 2 "$api/api/health" 2>/dev/null | grep -q '"idle":[1-9]' && break
  kill -0 "$server" 2>/dev/null || { tail -30 "$log" >&2; exit 1; }
  sleep 0.5
done
for spec in "$here"/*.yaml; do
  status=$(curl -s -o "$work/out" -w '%{http_code}' -H "Authorization: Bearer $token" -H 'Content-Type: application/yaml' \
    --data-binary @"$spec" "$api/api/endpoints")
  [[ $status == 200 || $status == 201 ]] || { echo "fairness: saving $(basename "$spec"): $status $(cat "$work/out")" >&2; exit 1; }
done
curl -sf -o /dev/null -H "Authorization: Bearer $token" -X POST "$api/api/deploy"
for script in quiet-sql quiet-script; do cat "$here/$script.lua" "$here/report.lua" > "$work/$script.lua"; done
cp "$here/report.lua" "$work/flood.lua"

# one wrk load; prints its RESULT line
load() { # load CONNS DURATION SCRIPT URL
  wrk -t1 -c"$1" -d"$2" --timeout 10s -s "$3" "$4" 2>&1 | grep '^RESULT' || echo "RESULT requests=0"
}
field() { sed -E "s/.* $1=([^ ]*).*/\1/" <<<"$2"; }

printf '| round | flood | endpoint | req/s | p99 ms | max ms | statuses |\n|---|---|---|---:|---:|---:|---|\n'
for round in $(seq 1 "$ROUNDS"); do
  for flood in none $FLOODS; do
    flood_pid=""
    if [[ $flood != none ]]; then
      seconds=$(( ${DURATION%s} + FLOOD_LEAD + 1 ))
      load "${CONNS[$flood]}" "${seconds}s" "$work/flood.lua" "$data/flood/$flood" > "$work/flood.out" &
      flood_pid=$!
      sleep "$FLOOD_LEAD"
    fi
    load "$QUIET_CONNS" "$DURATION" "$work/quiet-sql.lua" "$data" > "$work/sql.out" &
    sql_pid=$!
    load "$QUIET_CONNS" "$DURATION" "$work/quiet-script.lua" "$data" > "$work/script.out"
    wait "$sql_pid"
    for endpoint in sql script; do
      r=$(cat "$work/$endpoint.out")
      rps=$(awk -v n="$(field requests "$r")" -v s="$(field seconds "$r")" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print 0 }')
      printf '| %s | %s | quiet-%s | %s | %s | %s | %s |\n' "$round" "$flood" "$endpoint" "$rps" "$(field p99_ms "$r")" \
        "$(field max_ms "$r")" "$(field statuses "$r")"
    done
    if [[ -n $flood_pid ]]; then
      wait "$flood_pid"
      r=$(cat "$work/flood.out")
      printf '| %s | %s | flood-%s (its callers) | | %s | %s | %s |\n' "$round" "$flood" "$flood" "$(field p99_ms "$r")" \
        "$(field max_ms "$r")" "$(field statuses "$r")"
    fi
  done
done
echo "fairness: sandbox $(curl -s "$api/api/health" | sed -E 's/.*"sandbox":(\{[^}]*\}).*/\1/')" >&2

#!/usr/bin/env bash
# bench/fairness/run.sh — one endpoint flooded by hostile or slow calls, the others measured.
#
# Starts `bin/slipway serve` in the default set-up (embedded PostgreSQL, a fresh data directory),
# deploys two quiet endpoints (quiet-sql: a primary-key read of the demo data; quiet-script: a short
# TypeScript step) and three floods (flood-loop: `while (true) {}`; flood-bomb: a memory bomb;
# flood-sleep: `select pg_sleep(3)`). Then, round by round, it loads both quiet endpoints at once
# with wrk, first with nothing else ("none") and then while one flood runs, each flood in turn
# (the flood starts FLOOD_LEAD before the quiet load and ends after it). In those FLOOD_LEAD seconds
# the quiet endpoints are loaded as well, unreported, so that the flood begins on a busy host, as a
# flood among other traffic does; LEAD=idle leaves the host idle then instead (what the flood's
# first seconds cost while they overlap the quiet load's first seconds). It prints, per round and
# flood, each quiet endpoint's throughput and p99 next to the same round's quiet figures, and what
# the flood's own callers got (statuses, slowest answer). The steal column is the share of the host's
# CPU its hypervisor gave to other guests during the quiet load: on a shared host, a round with
# steal measures the neighbours, not the flood.
#
# Before the first round both quiet endpoints are loaded for WARMUP seconds, unreported, so that
# "quiet" means the workers' JIT has compiled the script, not a cold start.
#
# QUIET=each loads one quiet endpoint at a time instead (quiet-sql, then quiet-script, each with a
# flood of its own): loaded together on two cores, the two quiet loads take CPU from each other, and
# a shift between them (the script's JIT warming up) reads as a flood's effect on the other.
#
# Environment: ROUNDS=2 DURATION=10s FLOOD_LEAD=2 LEAD=busy QUIET_CONNS=8 WARMUP=20 QUIET=together
#              LOOP_CONNS=6 BOMB_CONNS=2 SLEEP_CONNS=24 (the callers of issue 18's measurements)
#              FLOODS="loop bomb sleep"  SLIPWAY_* settings pass through to the server
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
ROUNDS=${ROUNDS:-2}
DURATION=${DURATION:-10s}
FLOOD_LEAD=${FLOOD_LEAD:-2}
WARMUP=${WARMUP:-20}
QUIET_CONNS=${QUIET_CONNS:-8}
FLOODS=${FLOODS:-loop bomb sleep}
QUIET=${QUIET:-together}
LEAD=${LEAD:-busy}
declare -A CONNS=([loop]=${LOOP_CONNS:-6} [bomb]=${BOMB_CONNS:-2} [sleep]=${SLEEP_CONNS:-24})

command -v wrk >/dev/null || { echo "fairness: needs wrk (apt-get install wrk)" >&2; exit 1; }
. "$repo/bench/lib.sh"
work=$(mktemp -d /tmp/slipway-fairness.XXXXXX)
start_slipway "$work"
deploy_specs "$here"
for script in quiet-sql quiet-script; do cat "$here/$script.lua" "$repo/bench/report.lua" > "$work/$script.lua"; done
cp "$repo/bench/report.lua" "$work/flood.lua"
if (( WARMUP > 0 )); then
  load "$QUIET_CONNS" "${WARMUP}s" "$work/quiet-sql.lua" "$data" > /dev/null &
  warm_pid=$!
  load "$QUIET_CONNS" "${WARMUP}s" "$work/quiet-script.lua" "$data" > /dev/null
  wait "$warm_pid"
fi

printf '| round | flood | endpoint | req/s | p99 ms | max ms | statuses | steal %% |\n|---|---|---|---:|---:|---:|---|---:|\n'
# starts the flood $1 (none: nothing) in the background, FLOOD_LEAD before the quiet load, meanwhile
# loading the quiet endpoints $2.. (unless LEAD=idle)
start_flood() {
  local flood=$1 endpoint pids=()
  shift
  flood_pid=""
  [[ $flood == none ]] && return
  load "${CONNS[$flood]}" "$(( ${DURATION%s} + FLOOD_LEAD + 1 ))s" "$work/flood.lua" "$data/flood/$flood" > "$work/flood.out" &
  flood_pid=$!
  if [[ $LEAD == idle ]]; then
    sleep "$FLOOD_LEAD"
    return
  fi
  for endpoint in "$@"; do
    load "$QUIET_CONNS" "${FLOOD_LEAD}s" "$work/quiet-$endpoint.lua" "$data" > /dev/null &
    pids+=($!)
  done
  wait "${pids[@]}"
}
report_quiet() { # ROUND FLOOD ENDPOINT
  local r
  r=$(cat "$work/$3.out")
  printf '| %s | %s | quiet-%s | %s | %s | %s | %s | %s |\n' "$1" "$2" "$3" "$(rate "$r")" "$(field p99_ms "$r")" \
    "$(field max_ms "$r")" "$(field statuses "$r")" "$steal"
}
report_flood() { # ROUND FLOOD
  local r
  [[ -z $flood_pid ]] && return
  wait "$flood_pid"
  r=$(cat "$work/flood.out")
  printf '| %s | %s | flood-%s (its callers) | | %s | %s | %s | |\n' "$1" "$2" "$2" "$(field p99_ms "$r")" \
    "$(field max_ms "$r")" "$(field statuses "$r")"
}
for round in $(seq 1 "$ROUNDS"); do
  for flood in none $FLOODS; do
    if [[ $QUIET == each ]]; then
      for endpoint in sql script; do
        start_flood "$flood" "$endpoint"
        steal_mark
        load "$QUIET_CONNS" "$DURATION" "$work/quiet-$endpoint.lua" "$data" > "$work/$endpoint.out"
        steal=$(steal_since)
        report_quiet "$round" "$flood" "$endpoint"
        report_flood "$round" "$flood"
      done
      continue
    fi
    start_flood "$flood" sql script
    steal_mark
    load "$QUIET_CONNS" "$DURATION" "$work/quiet-sql.lua" "$data" > "$work/sql.out" &
    sql_pid=$!
    load "$QUIET_CONNS" "$DURATION" "$work/quiet-script.lua" "$data" > "$work/script.out"
    wait "$sql_pid"
    steal=$(steal_since)
    for endpoint in sql script; do report_quiet "$round" "$flood" "$endpoint"; done
    report_flood "$round" "$flood"
  done
done
echo "fairness: sandbox $(curl -s "$api/api/health" | sed -E 's/.*"sandbox":(\{[^}]*\}).*/\1/')" >&2

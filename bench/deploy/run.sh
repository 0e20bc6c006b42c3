#!/usr/bin/env bash
# bench/deploy/run.sh — deploying and rolling back an endpoint while 100 connections call it.
#
# Starts `bin/slipway serve` in the default set-up (embedded PostgreSQL, a fresh data directory)
# with W4's script endpoint (transform) and W1's SQL endpoint (get-project). Then, round by round
# and for each endpoint in turn, it loads the endpoint with wrk three times: with nothing else
# ("quiet"); while a changed version of it is saved and deployed AT seconds in ("deploy"); and
# while the release before is made live again AT seconds in ("rollback", after a deploy made
# before the load so that the rollback changes the endpoint's version). Every change is a new
# script or SQL text, so nothing of it is compiled before it is saved. It prints each load's
# throughput, p50, p99 and slowest answer, and how long the deploy or rollback call took.
#
# Environment: ROUNDS=3 DURATION=15s CONNS=100 AT=5  SLIPWAY_* settings pass through to the server
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-15s}
CONNS=${CONNS:-100}
AT=${AT:-5}

command -v wrk >/dev/null || { echo "deploy: needs wrk (apt-get install wrk)" >&2; exit 1; }
. "$repo/bench/lib.sh"
work=$(mktemp -d /tmp/slipway-deploy.XXXXXX)
start_slipway "$work"
declare -A SPEC=([script]=transform [sql]=project) NAME=([script]=transform [sql]=get-project)
version=0

# saves a new version of the endpoint (a new __N__ in its text) and deploys it
change() { # KIND
  version=$((version + 1))
  sed "s/__N__/$version/" "$here/${SPEC[$1]}.yaml" > "$work/spec.yaml"
  save_spec "$work/spec.yaml"
  api_call POST /api/deploy "{\"endpoints\": [\"${NAME[$1]}\"]}" > /dev/null
}

live_release() { api_call GET /api/releases/live | sed -E 's/^\{"id":([0-9]+).*/\1/'; }

for kind in script sql; do change "$kind"; done
for kind in script sql; do cat "$here/$kind.lua" "$repo/bench/report.lua" > "$work/$kind.lua"; done

printf '| round | endpoint | run | req/s | p50 ms | p99 ms | max ms | statuses | deploy or rollback ms |\n'
printf '|---|---|---|---:|---:|---:|---:|---|---:|\n'
for round in $(seq 1 "$ROUNDS"); do
  for kind in script sql; do
    for run in quiet deploy rollback; do
      [[ $run == rollback ]] && { change "$kind"; before=$(( $(live_release) - 1 )); }
      load "$CONNS" "$DURATION" "$work/$kind.lua" "$data" > "$work/load.out" &
      load_pid=$!
      took=""
      if [[ $run != quiet ]]; then
        sleep "$AT"
        start=$(date +%s%N)
        if [[ $run == deploy ]]; then change "$kind"; else api_call POST "/api/releases/$before/rollback" > /dev/null; fi
        took=$(( ($(date +%s%N) - start) / 1000000 ))
      fi
      wait "$load_pid"
      r=$(cat "$work/load.out")
      printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$round" "${NAME[$kind]}" "$run" "$(rate "$r")" \
        "$(field p50_ms "$r")" "$(field p99_ms "$r")" "$(field max_ms "$r")" "$(field statuses "$r")" "$took"
    done
  done
done

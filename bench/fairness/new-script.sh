#!/usr/bin/env bash
# bench/fairness/new-script.sh — what one new script's first run costs the quiet script beside it.
#
# Starts `bin/slipway serve` in the default set-up (embedded PostgreSQL, a fresh data directory),
# deploys bench/fairness's endpoints and loads quiet-script alone (QUIET_CONNS connections) for
# WARMUP seconds, then twice for 10 s as the quiet figure. Then, while quiet-script is loaded, it sends
# one POST /api/execute of SCRIPT (a script the worker has not seen) and prints which threads of the
# server and its serving worker took CPU in the 3 s after it, from /proc, against 3 quiet seconds
# before. Then quiet-script's rate in the next 1 s windows (WINDOWS of them), and the same after a
# second new script (SCRIPT with a comment added). Linux only (reads /proc); needs wrk and python3.
#
# Environment: SCRIPT='while (true) {}' WARMUP=40 WINDOWS=12 QUIET_CONNS=8; SLIPWAY_* pass through
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
SCRIPT=${SCRIPT:-while (true) {}}
WARMUP=${WARMUP:-40}
WINDOWS=${WINDOWS:-12}
QUIET_CONNS=${QUIET_CONNS:-8}
command -v wrk >/dev/null || { echo "new-script: needs wrk (apt-get install wrk)" >&2; exit 1; }
. "$repo/bench/lib.sh"
work=$(mktemp -d /tmp/slipway-new-script.XXXXXX)
start_slipway "$work"
deploy_specs "$here"
cat "$here/quiet-script.lua" "$repo/bench/report.lua" > "$work/quiet-script.lua"

# CPU ticks of every thread of the given processes, one "pid:name ticks" line each (digits in a
# thread's name are folded, so that a pool's threads add up)
ticks() {
  python3 - "$@" <<'PY'
import os, re, sys
for pid in sys.argv[1:]:
    totals = {}
    for task in os.listdir(f'/proc/{pid}/task'):
        try:
            stat = open(f'/proc/{pid}/task/{task}/stat').read()
        except OSError:
            continue
        name = re.sub(r'\d', '#', stat[stat.index('(') + 1:stat.rindex(')')])
        fields = stat[stat.rindex(')') + 2:].split()
        totals[name] = totals.get(name, 0) + int(fields[11]) + int(fields[12])
    for name, n in totals.items():
        print(f'{pid}:{name.replace(" ", "_")} {n}')
PY
}
# the threads that took the most CPU between two tick files, in seconds
busiest() {
  join -a 2 -e 0 -o 0,1.2,2.2 <(sort "$1") <(sort "$2") \
    | awk '{ d = $3 - $2; if (d > 5) printf "%6.2f s  %s\n", d / 100, $1 }' | sort -rn | head -8
}
execute() {
  curl -s -o /dev/null -w "new script: %{http_code} in %{time_total} s\n" -X POST \
    -H "Authorization: Bearer $token" -H 'Content-Type: application/json' "$api/api/execute" \
    --data "$(python3 -c 'import json, sys; print(json.dumps({"code": sys.argv[1]}))' "$1")"
}
windows() {
  local line="quiet-script req/s in 1 s windows:"
  for _ in $(seq 1 "$WINDOWS"); do
    line+=" $(rate "$(load "$QUIET_CONNS" 1s "$work/quiet-script.lua" "$data")")"
  done
  echo "$line"
}

load "$QUIET_CONNS" "${WARMUP}s" "$work/quiet-script.lua" "$data" > /dev/null
for run in 1 2; do
  r=$(load "$QUIET_CONNS" 10s "$work/quiet-script.lua" "$data")
  echo "quiet $run: $(rate "$r") req/s, p99 $(field p99_ms "$r") ms"
done
worker=$(pgrep -f dev.slipway.sandbox.WorkerMain | head -1)
load "$QUIET_CONNS" 4s "$work/quiet-script.lua" "$data" > /dev/null & loaded=$!
sleep 1; ticks "$server" "$worker" > "$work/t0"; sleep 3; wait "$loaded"
ticks "$server" "$worker" > "$work/t1"
load "$QUIET_CONNS" 4s "$work/quiet-script.lua" "$data" > /dev/null & loaded=$!
sleep 1; execute "$SCRIPT"; sleep 3; wait "$loaded"
ticks "$server" "$worker" > "$work/t2"
echo "server $server, serving worker $worker; CPU in 3 quiet seconds:"; busiest "$work/t0" "$work/t1"
echo "CPU in the 3 s after the new script:"; busiest "$work/t1" "$work/t2"
windows
execute "$SCRIPT /* again */"
windows

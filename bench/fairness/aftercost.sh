#!/usr/bin/env bash
# bench/fairness/aftercost.sh — quiet-sql's rate, p99 and server CPU per request in 10 s loads before,
# during and after one 13 s flood (FLOOD=loop|bomb|sleep|none, CONNS callers), in the default set-up.
# Below each load: the server's busiest threads (CPU per request, voluntary context switches per
# request), the call log's backlog, and each sandbox worker's niceness and CPU time. FREEZE=1 stops
# the worker for guarded runs (SIGSTOP) once the flood ends, to see what it costs the others.
# Linux only (reads /proc); needs wrk, python3 and curl. Environment: FLOOD=loop CONNS=6 AFTER=5
# REPO (a checkout to run, default this one); SLIPWAY_* pass through to the server.
set -euo pipefail
repo=${REPO:-$(cd "$(dirname "$0")/../.." && pwd)}; here=$repo/bench/fairness
FLOOD=${FLOOD:-loop}; CONNS=${CONNS:-6}; AFTER=${AFTER:-5}
. "$repo/bench/lib.sh"
work=$(mktemp -d /tmp/slipway-cpuper.XXXXXX)
start_slipway "$work"
deploy_specs "$here"
cat "$here/quiet-sql.lua" "$repo/bench/report.lua" > "$work/quiet.lua"
cp "$repo/bench/report.lua" "$work/flood.lua"
ticks() { awk '{ print $14 + $15 }' /proc/$server/stat; }
measure() { # label
  local t0 t1 r n
  python3 "$repo/bench/fairness/threads.py" snap $server > $work/ta; t0=$(ticks); r=$(load 8 10s "$work/quiet.lua" "$data"); t1=$(ticks); python3 "$repo/bench/fairness/threads.py" snap $server > $work/tb
  n=$(field requests "$r")
  [[ -n ${HISTO:-} ]] && { "${JAVA_HOME:-/usr}/bin/jmap" -histo "$server" > "$work/histo-$1.txt" 2>/dev/null || true; }
  printf '%-8s %6s req/s p99 %6s ms  %5.1f us/req\n' "$1" "$(rate "$r")" "$(field p99_ms "$r")" "$(awk -v t=$((t1-t0)) -v n=$n 'BEGIN{print t*10000/n}')"
  echo "   call log: $(tail -1 "$work/metrics.txt")"
  for p in $(pgrep -f WorkerMain); do
    echo "   worker $p niceness $(ps -o ni= -p "$p") $(tr '\0' ' ' < "/proc/$p/cmdline" | grep -o 'lowest=[a-z]*') cpu $(ps -o time= -p "$p")"
  done
  python3 "$repo/bench/fairness/threads.py" diff $work/ta $work/tb $n
}
( while sleep 1; do curl -s "$api/metrics" -H "Authorization: Bearer $token" | grep -E '^slipway_recorder_(backlog|not_kept)' | tr '\n' ' '; echo; done > "$work/metrics.txt" ) &
mp=$!
load 8 40s "$work/quiet.lua" "$data" >/dev/null
measure before1; measure before2
if [[ $FLOOD != none ]]; then
  load "$CONNS" 13s "$work/flood.lua" "$data/flood/$FLOOD" > "$work/flood.out" &
  fp=$!; sleep 2
else sleep 2; fi
measure during
[[ $FLOOD != none ]] && wait $fp && echo "flood: $(cat $work/flood.out)"
if [[ -n ${FREEZE:-} ]]; then g=$(pgrep -f 'lowest=true' || true); [[ -n $g ]] && kill -STOP $g && echo "froze guarded $g"; fi
for i in $(seq 1 $AFTER); do measure after$i; done
kill $mp

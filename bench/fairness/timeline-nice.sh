#!/usr/bin/env bash
# bench/fairness/timeline.sh — a quiet endpoint's rate second by second around one flood or one new
# script, and which processes and threads took the CPU in each second.
#
# Starts `bin/slipway serve` in the default set-up (embedded PostgreSQL, a fresh data directory),
# deploys bench/fairness's endpoints, loads quiet-$QUIET (8 connections) for WARMUP seconds and then
# for 10 s as the quiet figure. Then it loads it in 1 s windows (WINDOWS of them); at window
# FLOOD_AT it starts flood-$FLOOD with CONNS callers until the windows end, or, with
# FLOOD='exec:CODE', sends one POST /api/execute of CODE (a script no worker has seen). It prints
# the windows (req/s / p99 ms), what the flood's callers got, and per second the CPU of the server,
# its serving worker ("worker"), its worker for guarded runs ("guarded", SCHED_IDLE) and PostgreSQL,
# with the six busiest threads of the server (S:) and the workers (W<pid>:) below each line.
# Linux only (reads /proc); needs wrk and python3.
#
# Environment: FLOOD=loop CONNS=6 QUIET=script WINDOWS=20 FLOOD_AT=3 WARMUP=40; SLIPWAY_* pass through
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
FLOOD=${FLOOD:-loop}
CONNS=${CONNS:-6}
QUIET=${QUIET:-script}
WINDOWS=${WINDOWS:-20}
FLOOD_AT=${FLOOD_AT:-3}
WARMUP=${WARMUP:-40}
command -v wrk >/dev/null || { echo "timeline: needs wrk (apt-get install wrk)" >&2; exit 1; }
. "$repo/bench/lib.sh"
work=$(mktemp -d /tmp/slipway-timeline.XXXXXX)
start_slipway "$work"
deploy_specs "$here"
cat "$here/quiet-$QUIET.lua" "$repo/bench/report.lua" > "$work/quiet.lua"
cp "$repo/bench/report.lua" "$work/flood.lua"
load 8 "${WARMUP}s" "$work/quiet.lua" "$data" > /dev/null
r=$(load 8 10s "$work/quiet.lua" "$data")
echo "quiet 10 s: $(rate "$r") req/s, p99 $(field p99_ms "$r") ms"

# per second: CPU seconds by process kind, then the six busiest threads (digits in names folded)
python3 - "$server" > "$work/cpu.txt" <<'PY' &
import os, re, sys, time
server = int(sys.argv[1])
def stat(path):
    st = open(path).read()
    return st[st.index('(') + 1:st.rindex(')')], st[st.rindex(')') + 2:].split()
def sample():
    kinds, threads = {}, {}
    for pid in filter(str.isdigit, os.listdir('/proc')):
        try:
            cmd = open(f'/proc/{pid}/cmdline', 'rb').read().replace(b'\0', b' ').decode()
            _, f = stat(f'/proc/{pid}/stat')
        except OSError:
            continue
        if int(pid) == server: kind, tag = 'server', 'S'
        elif 'WorkerMain' in cmd: kind, tag = ('guarded' if f[38] == '5' else 'worker'), 'W' + pid
        elif 'postgres' in cmd: kind, tag = 'pg', None
        else: continue
        kinds[kind] = kinds.get(kind, 0) + int(f[11]) + int(f[12])
        if tag is None: continue
        try: tasks = os.listdir(f'/proc/{pid}/task')
        except OSError: continue
        for task in tasks:
            try: name, tf = stat(f'/proc/{pid}/task/{task}/stat')
            except OSError: continue
            key = tag + ":" + re.sub(r"\d", "#", name).replace(" ", "_") + "@" + tf[16] + ("i" if tf[38] == "5" else "")
            threads[key] = threads.get(key, 0) + int(tf[11]) + int(tf[12])
    return kinds, threads
before, start = sample(), time.time()
while True:
    time.sleep(1)
    now = sample()
    print(f"{time.time() - start:5.1f} s " + " ".join(
        f"{k}={(v - before[0].get(k, 0)) / 100:.2f}" for k, v in sorted(now[0].items())))
    busiest = sorted(((v - before[1].get(k, 0)) / 100, k) for k, v in now[1].items())[-6:]
    print("        " + "  ".join(f"{k}={v:.2f}" for v, k in reversed(busiest) if v > 0.04), flush=True)
    before = now
PY
sampler=$!
line=""
flood_pid=""
for i in $(seq 1 "$WINDOWS"); do
  if (( i == FLOOD_AT )); then
    if [[ $FLOOD == exec:* ]]; then
      code=$(python3 -c 'import json, sys; print(json.dumps({"code": sys.argv[1]}))' "${FLOOD#exec:}")
      curl -s -o "$work/flood.out" -w ' -> %{http_code} in %{time_total} s' -X POST -H "Authorization: Bearer $token" \
        -H 'Content-Type: application/json' "$api/api/execute" --data "$code" >> "$work/flood.out" &
    else
      load "$CONNS" "$(( WINDOWS - FLOOD_AT + 2 ))s" "$work/flood.lua" "$data/flood/$FLOOD" > "$work/flood.out" &
    fi
    flood_pid=$!
    echo "flood $FLOOD starts $(( FLOOD_AT - 1 )) windows in (the sampler's second $(wc -l < "$work/cpu.txt" | awk '{ print int($1 / 2) }'))"
  fi
  r=$(load 8 1s "$work/quiet.lua" "$data")
  line+=" $(rate "$r")/$(field p99_ms "$r")"
done
echo "quiet-$QUIET in 1 s windows (req/s / p99 ms):$line"
[[ -n $flood_pid ]] && wait "$flood_pid" && echo "flood: $(cat "$work/flood.out")"
kill "$sampler"
cat "$work/cpu.txt"

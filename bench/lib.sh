# bench/lib.sh — sourced by the bench scripts that run Slipway's default set-up.
#
# start_slipway WORK: starts `bin/slipway serve` with an embedded PostgreSQL in WORK/data on free
# ports, waits until a sandbox worker is idle, and sets server (its pid), api, data, token and log.
# save_spec FILE: saves a spec (YAML). deploy_specs DIR: saves DIR's specs and deploys them.
# api_call METHOD PATH [BODY]: a platform API call, its body printed. load CONNS DURATION SCRIPT
# URL: one wrk load with SCRIPT (which ends with bench/report.lua), its RESULT line printed;
# field NAME LINE: a value of a RESULT line. steal_mark, then steal_since: the share (%) of the host's
# CPU time its hypervisor gave to other guests in between (Linux; blank elsewhere).
# stop_slipway: stops the server and removes its data; start_slipway traps EXIT with it.

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# `setsid`, to start the server in a session of its own, as a service manager does: where Linux
# schedules by session (autogroup), a server sharing this shell's session shares its CPU with wrk and
# waits behind it (README, Running on Linux). SHARED_SESSION=1: nothing, the server shares it.
own_session() { [[ ${SHARED_SESSION:-0} == 1 ]] || command -v setsid || true; }

start_slipway() {
  local work=$1 repo port control
  repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  port=$(free_port)
  control=$(free_port)
  token=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
  log="$work/slipway.log"
  bench_work=$work
  echo "bench: starting slipway (embedded PostgreSQL in $work/data), log $log" >&2
  SLIPWAY_DATA_DIR="$work/data" SLIPWAY_PORT=$port SLIPWAY_CONTROL_PORT=$control SLIPWAY_HOST=127.0.0.1 \
    SLIPWAY_ADMIN_TOKEN=$token $(own_session) "$repo/bin/slipway" serve > "$log" 2>&1 &
  server=$!
  trap stop_slipway EXIT
  api="http://127.0.0.1:$control"
  data="http://127.0.0.1:$port"
  for _ in $(seq 1 600); do
    curl -sf --max-time 2 "$api/api/health" 2>/dev/null | grep -q '"idle":[1-9]' && return 0
    kill -0 "$server" 2>/dev/null || { tail -30 "$log" >&2; exit 1; }
    sleep 0.5
  done
  echo "bench: slipway did not become healthy" >&2
  exit 1
}

stop_slipway() {
  [[ -n ${server:-} ]] && kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  server=""
  rm -rf "${bench_work:?}/data"
}

api_call() { # METHOD PATH [BODY]
  local out status
  out=$(mktemp)
  status=$(curl -s -o "$out" -w '%{http_code}' -X "$1" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    ${3:+--data-binary "$3"} "$api$2")
  cat "$out"
  rm -f "$out"
  [[ $status == 2* ]] || { echo "bench: $1 $2 answered $status" >&2; return 1; }
}

save_spec() { # FILE
  local status
  status=$(curl -s -o "$bench_work/out" -w '%{http_code}' -H "Authorization: Bearer $token" -H 'Content-Type: application/yaml' \
    --data-binary @"$1" "$api/api/endpoints")
  [[ $status == 200 || $status == 201 ]] || { echo "bench: saving $(basename "$1"): $status $(cat "$bench_work/out")" >&2; exit 1; }
}

deploy_specs() { # DIR: saves every spec (YAML) in DIR and deploys them
  local spec
  for spec in "$1"/*.yaml; do save_spec "$spec"; done
  api_call POST /api/deploy > /dev/null
}

load() { # CONNS DURATION SCRIPT URL
  wrk -t1 -c"$1" -d"$2" --timeout 10s -s "$3" "$4" 2>&1 | grep '^RESULT' || echo "RESULT requests=0"
}

field() { sed -E "s/.* $1=([^ ]*).*/\1/" <<<"$2"; }

# requests per second of a RESULT line
rate() { awk -v n="$(field requests "$1")" -v s="$(field seconds "$1")" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print 0 }'; }

# the host's CPU ticks stolen by the hypervisor and all its ticks (/proc/stat)
cpu_ticks() { awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print $9, t }' /proc/stat 2>/dev/null || true; }
steal_mark() { steal_before=$(cpu_ticks); }
steal_since() {
  local now
  now=$(cpu_ticks)
  [[ -n $now && -n ${steal_before:-} ]] || return 0
  awk -v a="$steal_before" -v b="$now" 'BEGIN { split(a, x); split(b, y); if (y[2] > x[2]) printf "%.0f", 100 * (y[1] - x[1]) / (y[2] - x[2]) }'
}

#!/usr/bin/env bash
# bench/run.sh — Slipway against the hand-written peers, one run, one machine.
#
# Copies the shared harness (../shared/bench-peers, read-only) to a work dir, installs what it needs,
# starts its private PostgreSQL 15, starts Slipway on that database with the specs in bench/specs,
# checks the JSON contracts, loads each peer with wrk (W1..W4) and prints the table.
#
# Environment:
#   WORKLOADS=w1,w2,w3,w4   which workloads to load
#   PEERS="slipway bun"     in this order; also "node" (the same Hono app on Node 20) and
#                           "slipway-template": W1-W3 served by the endpoints the crud-endpoint template
#                           generates from bench/templates/projects.json (W4 still from bench/specs)
#   DURATION=15s WARMUP=5s  (and THREADS, CONNS, SETTLE, WRK_TIMEOUT) passed to the harness's run.sh
#   BENCH_DIR=/tmp/slipway-bench   work dir (the harness copy, its PostgreSQL, logs, results)
#   PEERS_SRC=<repo>/../shared/bench-peers
#   ROUNDS=1                load each server this many times in a row (same process, labels "<name>/rN",
#                           side by side in the table): later rounds show a warmed-up JIT
#   INTERLEAVE=0            1: start every peer first, then take turns, round by round (Slipway r1, Bun r1,
#                           Slipway r2, ...), so that a slow spell of a shared machine falls on both
#                           peers alike; the idle peer waits, started, while the other is loaded.
#                           At most one of slipway and slipway-template
#   INSTALL=auto            run the harness's install.sh when wrk, PostgreSQL 15 or bun is missing;
#                           1 = always, 0 = never
#   SLIPWAY_CALL_LOG_LEVEL  INFO (the product default) unless set; another level changes the label
#                           to "slipway-calllog-<level>" so the figures are not mistaken for the default
#   SLIPWAY_CALL_LOG_KEEP   true (the product default) unless set; false keeps no call in the database
#                           (no recorder, analytics or usage) and labels Slipway "<name>-unkept"
#   SLIPWAY_JAVA_OPTS       extra JVM options, passed through by bin/slipway
#   SHARED_SESSION=0        1: start Slipway in this shell's session, not one of its own (setsid, as a
#                           service manager does); see README, Running on Linux
#   SMAPS_DIR               at the end, copy /proc/<pid>/smaps of the server and its workers there, with
#                           jcmd's native memory summary, Compiler.memory and a class histogram of each;
#                           HEAP_DUMP=1 adds a heap dump of each
#   SLIPWAY_BENCH_PORT, SLIPWAY_BENCH_CONTROL_PORT   fixed ports (default: two free ones)
#   ATTACKS=0               1: also deploy the hostile scripts of bench/hostile and, while Slipway is
#                           loaded, call them one after another in a loop; turns: deploy them, and
#                           load the one Slipway server in turns, quiet and then under attack, ROUNDS
#                           times (labels "<name>/quiet-rN", "<name>/attack-rN"), so that both halves
#                           of a pair share the server, its JIT state and the machine's spell
#                           (bench/hostile/run.sh)
set -euo pipefail

repo=$(git -C "$(dirname "$(realpath "$0")")" rev-parse --show-toplevel)
PEERS_SRC=${PEERS_SRC:-$repo/../shared/bench-peers}
BENCH_DIR=${BENCH_DIR:-/tmp/slipway-bench}
WORKLOADS=${WORKLOADS:-w1,w2,w3,w4}
PEERS=${PEERS:-slipway bun}
INSTALL=${INSTALL:-auto}
ROUNDS=${ROUNDS:-1}
ATTACKS=${ATTACKS:-0}
INTERLEAVE=${INTERLEAVE:-0}
export DURATION=${DURATION:-15s} WARMUP=${WARMUP:-5s}

say() { echo "bench: $*" >&2; }
die() { say "$*"; exit 1; }

[[ -f $PEERS_SRC/run.sh ]] || die "no harness at $PEERS_SRC (set PEERS_SRC)"
case $ATTACKS in 0 | 1 | turns) ;; *) die "ATTACKS is 0, 1 or turns, not '$ATTACKS'" ;; esac
for peer in $PEERS; do
  case $peer in slipway | slipway-template | bun | node) ;; *) die "unknown peer '$peer' (slipway, slipway-template, bun, node)" ;; esac
done

# --- the harness copy -----------------------------------------------------------------------------
mkdir -p "$BENCH_DIR"
cp -r "$PEERS_SRC/." "$BENCH_DIR/"          # data/, node_modules/, ids.txt of earlier runs stay
chmod -R u+w "$BENCH_DIR"
cd "$BENCH_DIR"
. ./env.sh

needs_install() {
  ! command -v wrk >/dev/null || [[ ! -x $PG_BIN/initdb ]] || [[ ! -x peer-hono/node_modules/.bin/bun ]]
}
if [[ $INSTALL == 1 ]] || { [[ $INSTALL == auto ]] && needs_install; }; then
  say "installing the harness's dependencies (install.sh)"
  ./install.sh >&2
fi

# --- cleanup on any exit --------------------------------------------------------------------------
slipway_pid=""   # what bin/slipway was started as
jvm_pid=""       # the JVM (the same pid when bin/slipway exec's java)
started_peers=()
stop_slipway() {
  local pid
  for pid in $jvm_pid $slipway_pid; do
    kill -0 "$pid" 2>/dev/null || continue
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    say "slipway (pid $pid) stopped"
  done
  slipway_pid="" jvm_pid=""
}
cleanup() {
  local status=$?
  set +e
  stop_slipway
  for p in "${started_peers[@]}"; do ./peer.sh stop "$p" >&2; done
  ./pg-down.sh >&2
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

./pg-up.sh >&2
# Slipway's Flyway migrations create schema "slipway" in the bench database, and Slipway makes a
# database login for each org's SQL (CREATEROLE), which the bench then grants the harness's tables.
pg_admin -d bench -q -c 'grant create on database bench to bench' -c 'alter role bench createrole'

stamp=$(date +%Y%m%d-%H%M%S)
export RESULTS="$BENCH_DIR/results-$stamp.tsv"
mkdir -p data/slipway

free_port() { node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close() })'; }

java_pid() { # the first process named java in the tree of pid $1 ($1 itself when bin/slipway exec'd java)
  local pid=$1 child
  [[ -d /proc/$pid ]] || return 1
  if [[ $(readlink "/proc/$pid/exe") == */java ]]; then echo "$pid"; return; fi
  for child in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do
    java_pid "$child" && return
  done
  return 1
}

load_round() { # load_round <label> <pid> <url>: the harness's run.sh once, on WORKLOADS
  SERVER_PID=$2 ./run.sh "$1" "$3" "$WORKLOADS" >&2
}

load_rounds() { # load_rounds <label> <pid> <url>: the harness's run.sh, ROUNDS times
  local label=$1 pid=$2 url=$3 round
  if [[ $ATTACKS == turns && $label == slipway* ]]; then
    for round in $(seq 1 "$ROUNDS"); do
      load_round "$label/quiet-r$round" "$pid" "$url"
      start_attacks "$url"
      load_round "$label/attack-r$round" "$pid" "$url"
      stop_attacks
      wait_for_workers   # hostile scripts still running end at their limits; killed workers come back
    done
    return
  fi
  if (( ROUNDS <= 1 )); then load_round "$label" "$pid" "$url"; return; fi
  for round in $(seq 1 "$ROUNDS"); do
    load_round "$label/r$round" "$pid" "$url"
  done
}

wait_for_workers() { # until every sandbox worker is started and idle (or 2 minutes have passed)
  for _ in $(seq 1 240); do
    curl -sf --max-time 2 "$slipway_control_url/api/health" | node -e 'let s = ""; process.stdin.on("data", d => s += d).on("end", () => {
      const b = JSON.parse(s).sandbox || {}; process.exit(b.mode !== "workers" || (b.workers > 0 && b.idle === b.workers) ? 0 : 1) })' && return
    sleep 0.5
  done
  say "the sandbox workers were still busy after 2 minutes"
}

start_attacks() { # start_attacks <url>: the attack loop in the background, answers appended to its log
  attack_loop "$1" >> "$BENCH_DIR/data/attacks-$stamp.log" &
  attacker=$!
  say "attacking /hostile/* in a loop (pid $attacker), answers in $BENCH_DIR/data/attacks-$stamp.log"
}

stop_attacks() { # the attack loop and the call it is waiting on
  [[ -n $attacker ]] || return 0
  pkill -P "$attacker" 2>/dev/null || true
  kill "$attacker" 2>/dev/null || true
  wait "$attacker" 2>/dev/null || true
  attacker=""
}

attack_loop() { # attack_loop <url>: each hostile endpoint in turn, forever; prints "name code" per call
  local url=$1 spec name answer code
  while true; do
    for spec in "$repo"/bench/hostile/*.yaml; do
      name=$(basename "$spec" .yaml)
      # the code of a problem answer, "ok" for any other; read in bash, not by starting node for
      # each call, so that the attacker's own CPU does not weigh on the endpoint under load
      answer=$(curl -s --max-time 15 "$url/hostile/$name")
      code=ok
      [[ $answer =~ \"code\":\"([a-z_]+)\" ]] && code=${BASH_REMATCH[1]}
      echo "$name $code"
    done
  done
}

# --- Slipway --------------------------------------------------------------------------------------
# What start_slipway and start_peer leave for the rounds and for finishing: a started server each,
# as "label pid url", and Slipway's own.
started=()
slipway_control_url="" slipway_log="" attacker=""

start_slipway() { # start_slipway [template]: with "template", W1-W3 come from the crud-endpoint template
  local from=${1:-specs} port control token log label url level
  port=${SLIPWAY_BENCH_PORT:-$(free_port)}
  control=${SLIPWAY_BENCH_CONTROL_PORT:-$(free_port)}
  [[ $port != "$control" ]] || control=$(free_port)
  token=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
  log="$BENCH_DIR/data/slipway-$stamp.log"
  level=${SLIPWAY_CALL_LOG_LEVEL:-INFO}
  label=slipway
  [[ $from == template ]] && label=slipway-template
  [[ ${level^^} == INFO ]] || label="$label-calllog-${level,,}"
  [[ ${SLIPWAY_CALL_LOG_KEEP:-true} == true ]] || label="$label-unkept"

  # each run starts from no Slipway state: the template and the hand-written specs serve the same routes;
  # the org logins of earlier runs go with it
  pg_admin -d bench -q -c 'drop schema if exists slipway cascade' -c 'drop schema if exists slipway_runtime cascade' >&2
  local stale
  for stale in $(pg_admin -d bench -tAc "select rolname from pg_roles where rolname ~ '^slipway_[a-z0-9]{6}_org_[0-9]+$'"); do
    pg_admin -d bench -q -c "drop owned by $stale" -c "drop role $stale" >&2
  done
    say "starting slipway (data plane :$port, control plane :$control), log $log"
  SLIPWAY_DATABASE_URL="postgres://bench:bench@127.0.0.1:$PG_PORT/bench" \
    SLIPWAY_PORT=$port SLIPWAY_CONTROL_PORT=$control SLIPWAY_HOST=127.0.0.1 \
    SLIPWAY_ADMIN_TOKEN=$token SLIPWAY_DATA_DIR="$BENCH_DIR/data/slipway" SLIPWAY_DEMO_DATA=false \
    SLIPWAY_CALL_LOG_LEVEL=$level \
    $( [[ ${SHARED_SESSION:-0} == 1 ]] || command -v setsid) "$repo/bin/slipway" serve > "$log" 2>&1 &
  slipway_pid=$!   # bin/slipway ends in `exec java`: this pid becomes the JVM's

  local control_url="http://127.0.0.1:$control"
  slipway_control_url=$control_url slipway_log=$log
  for _ in $(seq 1 600); do   # up to 5 min: bin/slipway builds first when the build is stale
    curl -sf --max-time 2 -o /dev/null "$control_url/api/health" && break
    kill -0 "$slipway_pid" 2>/dev/null || { tail -30 "$log" >&2; die "slipway exited during start-up"; }
    sleep 0.5
  done
  curl -sf --max-time 2 -o /dev/null "$control_url/api/health" || die "slipway did not answer /api/health, see $log"
  # scripts run in sandbox workers that start after the server answers: wait until they are all ready
  wait_for_workers
  jvm_pid=$(java_pid "$slipway_pid") || die "no JVM under pid $slipway_pid (bin/slipway), see $log"
  # the org's SQL runs as its own login: it may use the harness's schema, as the peers' user does
  local login
  login=$(curl -sf -H "Authorization: Bearer $token" "$control_url/api/org" | sed -E 's/.*"databaseLogin":"([^"]+)".*/\1/')
  [[ $login =~ ^slipway_[a-z0-9]{6}_org_[0-9]+$ ]] || die "no database login in GET /api/org"
  pg_admin -d bench -q -c "grant usage on schema app to $login" \
    -c "grant select, insert, update, delete on all tables in schema app to $login" \
    -c "grant usage, select on all sequences in schema app to $login" >&2
  [[ $jvm_pid == "$slipway_pid" ]] || say "bin/slipway (pid $slipway_pid) did not exec java; measuring JVM pid $jvm_pid"

  local spec status specs=("$repo"/bench/specs/*.yaml)
  [[ $from == template ]] && specs=("$repo"/bench/specs/w4-*.yaml)
  [[ $ATTACKS == 1 ]] && label="$label-under-attack"
  [[ $ATTACKS == 0 ]] || specs+=("$repo"/bench/hostile/*.yaml)
  for spec in "${specs[@]}"; do
    status=$(curl -s -o "$BENCH_DIR/data/spec.out" -w '%{http_code}' -H "Authorization: Bearer $token" \
      -H 'Content-Type: application/yaml' --data-binary @"$spec" "$control_url/api/endpoints")
    [[ $status == 200 || $status == 201 ]] || die "saving $(basename "$spec") got HTTP $status: $(head -c 2000 "$BENCH_DIR/data/spec.out")"
  done
  if [[ $from == template ]]; then
    status=$(curl -s -o "$BENCH_DIR/data/spec.out" -w '%{http_code}' -H "Authorization: Bearer $token" \
      -H 'Content-Type: application/json' --data-binary @"$repo/bench/templates/projects.json" "$control_url/api/create-endpoint")
    [[ $status == 201 ]] || die "create-endpoint got HTTP $status: $(head -c 2000 "$BENCH_DIR/data/spec.out")"
    say "generated W1-W3 endpoints from bench/templates/projects.json; their own tests: $(node -e \
      'const r = JSON.parse(require("fs").readFileSync(process.argv[1])).testResults; console.log(r.filter(t => t.passed).length + "/" + r.length + " passed")' \
      "$BENCH_DIR/data/spec.out")"
  fi
  status=$(curl -s -o "$BENCH_DIR/data/spec.out" -w '%{http_code}' -X POST -H "Authorization: Bearer $token" "$control_url/api/deploy")
  [[ $status == 200 || $status == 201 ]] || die "deploy got HTTP $status: $(head -c 2000 "$BENCH_DIR/data/spec.out")"
  say "deployed ${#specs[@]} spec(s)"

  url="http://127.0.0.1:$port"
  node check.mjs "$url" "$WORKLOADS" >&2 || die "slipway breaks the benchmark contracts (above)"
  attacker=""
  [[ $ATTACKS == 1 ]] && start_attacks "$url"
  started+=("$label $jvm_pid $url")
}

finish_slipway() { # stops the attacks, reports what the server used and stops it
  local control_url=$slipway_control_url log=$slipway_log java_bin
  java_bin=$(dirname "$(readlink "/proc/$jvm_pid/exe")")
  stop_attacks
  if [[ -f $BENCH_DIR/data/attacks-$stamp.log ]]; then
    say "attack answers (status, code): $(sort "$BENCH_DIR/data/attacks-$stamp.log" | uniq -c | sort -rn | tr '\n' ';')"
  fi

  # Peak memory (VmHWM: the most resident memory each process had) of the server and of each
  # sandbox worker JVM it started, and what the trip to a worker cost per script run.
  {
    echo "--- slipway: peak resident memory (VmHWM) of the server and its sandbox workers"
    echo "server pid $jvm_pid: $(awk '/VmHWM/ {print $2, $3}' "/proc/$jvm_pid/status")"
    local child
    for child in $(cat /proc/"$jvm_pid"/task/*/children 2>/dev/null); do
      echo "worker pid $child: $(awk '/VmHWM/ {print $2, $3}' "/proc/$child/status" 2>/dev/null)"
    done
    if [[ -n ${SMAPS_DIR:-} ]]; then # where the memory went, mapping by mapping
      mkdir -p "$SMAPS_DIR"
      for child in "$jvm_pid" $(cat /proc/"$jvm_pid"/task/*/children 2>/dev/null); do
        cp "/proc/$child/smaps" "$SMAPS_DIR/smaps-$child" 2>/dev/null || true
        # what the JVM says of it, where its options asked it to track (NativeMemoryTracking, MemStat)
        "$java_bin/jcmd" "$child" VM.native_memory summary > "$SMAPS_DIR/nmt-$child" 2>&1 || true
        "$java_bin/jcmd" "$child" Compiler.memory > "$SMAPS_DIR/compiler-memory-$child" 2>&1 || true
        "$java_bin/jcmd" "$child" GC.class_histogram > "$SMAPS_DIR/histogram-$child" 2>&1 || true
        if [[ -n ${HEAP_DUMP:-} ]]; then
          "$java_bin/jcmd" "$child" GC.heap_dump "$SMAPS_DIR/heap-$child.hprof" > /dev/null 2>&1 || true
        fi
      done
      echo "smaps of the server and its workers in $SMAPS_DIR"
    fi
    echo "--- slipway: sandbox figures from /api/health (hop = per-run time beyond the script's own)"
    curl -s --max-time 5 "$control_url/api/health" | node -e \
      'let s = ""; process.stdin.on("data", d => s += d).on("end", () => console.log(JSON.stringify(JSON.parse(s).sandbox)))'
  } >&2

  # What could explain the figures: JIT state and GC totals of this JVM.
  {
    echo "--- slipway: JIT/GraalJS lines in its log"
    grep -iE 'graal|jit|interpret' "$log" | grep -v ' calls - ' | head -5 || echo "(none)"
    echo "--- slipway: GC totals (jstat -gcutil; YGC/FGC counts, GCT seconds)"
    "$java_bin/jstat" -gcutil "$jvm_pid" 2>&1 || true
  } >&2
  stop_slipway
}

start_peer() { # start_peer <A|B> <label>
  local id=$1 label=$2 pid url
  started_peers+=("$id")
  read -r pid url < <(./peer.sh start "$id")
  node check.mjs "$url" "$WORKLOADS" >&2 || die "peer $label breaks the benchmark contracts (above)"
  started+=("$label $pid $url")
}

start() { # start <peer>
  case $1 in
    slipway) start_slipway ;;
    slipway-template) start_slipway template ;;
    bun) start_peer A peer-bun ;;
    node) start_peer B peer-node ;;
  esac
}

finish() { # finish <peer>
  case $1 in
    slipway | slipway-template) finish_slipway ;;
    bun) ./peer.sh stop A >&2 ;;
    node) ./peer.sh stop B >&2 ;;
  esac
}

load_before=$(uptime)
say "$load_before"
if [[ $INTERLEAVE == 1 ]]; then
  [[ $ATTACKS == turns ]] && die "ATTACKS=turns takes turns on one server already; leave INTERLEAVE unset"
  [[ " $PEERS " == *" slipway "* && " $PEERS " == *" slipway-template "* ]] && die "INTERLEAVE=1 takes one of slipway and slipway-template"
  for peer in $PEERS; do start "$peer"; done
  for round in $(seq 1 "$ROUNDS"); do
    for server in "${started[@]}"; do
      read -r label pid url <<< "$server"
      load_round "$label/r$round" "$pid" "$url"
    done
  done
  for peer in $PEERS; do finish "$peer"; done
else
  for peer in $PEERS; do
    start "$peer"
    read -r label pid url <<< "${started[-1]}"
    load_rounds "$label" "$pid" "$url"
    finish "$peer"
  done
fi

echo
echo "Results ($RESULTS), $(date -Iseconds), $(nproc) CPUs; before the run:$load_before"
node summary.mjs "$RESULTS"
echo
echo "CPU seconds during each ${DURATION} measurement (server process tree / PostgreSQL; the rest of the 2-core budget is wrk):"
cut -f2,3,4,10,11,12 "$RESULTS" | column -t -s $'\t'

#!/usr/bin/env bash
# bench/hostile/run.sh — does a hostile script hurt everybody else? Loads workload W1 (a `sql` GET
# by id) on one Slipway server in turns: quiet, then while the hostile scripts of this directory
# (infinite loops, memory bombs, huge output, log spam, SSRF attempts, ...) are called one after
# another in a loop; ROUNDS such pairs (default 3). The aim: each pair's p99 under attack within 2x
# of its quiet one. Both halves of a pair share the server, its JIT state and the machine's spell;
# round 1 of each is the coldest.
#
# Environment: as bench/run.sh (DURATION, WARMUP, ROUNDS, BENCH_DIR, ...).
set -euo pipefail
here=$(dirname "$(realpath "$0")")
export PEERS=slipway WORKLOADS=${WORKLOADS:-w1} ROUNDS=${ROUNDS:-3} ATTACKS=turns
exec "$here/../run.sh"

#!/usr/bin/env bash
# bench/hostile/run.sh — does a hostile script hurt everybody else? Loads workload W1 (a `sql` GET
# by id) on Slipway twice, quiet and then while the hostile scripts of this directory (infinite
# loops, memory bombs, huge output, log spam, SSRF attempts, ...) are called one after another in
# a loop, and prints both rows: the aim is a p99 under attack within 2x of the quiet one.
#
# Environment: as bench/run.sh (DURATION, WARMUP, ROUNDS, BENCH_DIR, ...).
set -euo pipefail
here=$(dirname "$(realpath "$0")")
export PEERS=slipway WORKLOADS=${WORKLOADS:-w1}
ATTACKS=0 "$here/../run.sh"
ATTACKS=1 "$here/../run.sh"

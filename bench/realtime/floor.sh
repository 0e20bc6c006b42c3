#!/usr/bin/env bash
# bench/realtime/floor.sh — the floor under a broadcast on this machine, without Slipway: one write
# to each of N loopback sockets from W threads of one JVM, one selector thread of another JVM
# reading them all (BroadcastFloor).
# Usage: bench/realtime/floor.sh [sockets, default 10000] [writer threads, default 2] [rounds, default 6]
set -euo pipefail
"$(dirname "$(realpath "$0")")/../java.sh" dev.slipway.realtime.BroadcastFloor "${1:-10000}" "${2:-2}" "${3:-6}"

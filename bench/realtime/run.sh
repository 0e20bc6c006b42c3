#!/usr/bin/env bash
# bench/realtime/run.sh — realtime fan-out with bin/slipway serve as a user runs it (embedded
# PostgreSQL): SSE subscribers on one instance, messages published at a rate, end-to-end latency
# from the publishing request to each subscriber's read (RealtimeBench).
# Usage: bench/realtime/run.sh [subscribers, default 10000] [topics, default 1] [messages a second,
#        default 1] [messages per publishing request, default 1] [seconds, default 20] [sse|ws, default sse]
set -euo pipefail
"$(dirname "$(realpath "$0")")/../java.sh" dev.slipway.realtime.RealtimeBench "${1:-10000}" "${2:-1}" \
  "${3:-1}" "${4:-1}" "${5:-20}" "${6:-sse}" 2> >(grep -v ' INFO \| DEBUG ' >&2)

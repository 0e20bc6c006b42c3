#!/usr/bin/env bash
# bench/jobs/run.sh — how fast the job queue is with bin/slipway serve as a user runs it (embedded
# PostgreSQL, durable): trivial jobs enqueued and completed per second (enqueued 100 to a request,
# then one to a request from 32 clients), and what the enqueue step costs inside a request
# (JobsBench).
# Usage: bench/jobs/run.sh [jobs per round, default 100000] [jobs per request, default 100] [seconds of single enqueues, default 10]
set -euo pipefail
"$(dirname "$(realpath "$0")")/../java.sh" dev.slipway.jobs.JobsBench "${1:-100000}" "${2:-100}" "${3:-10}" \
  2> >(grep -v ' INFO \| DEBUG ' >&2)

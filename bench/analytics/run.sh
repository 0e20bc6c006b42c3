#!/usr/bin/env bash
# bench/analytics/run.sh — how long GET /api/analytics and GET /api/usage take for an org with
# 10 million calls over 30 days (AnalyticsBench): the calls are made up and summed into the rollups
# by the recorder's own code, then the routes are timed through a real Slipway on the test
# PostgreSQL (SLIPWAY_TEST_PG, the machine's, or the embedded one).
# Usage: bench/analytics/run.sh [calls, default 10000000] [runs, default 20]
set -euo pipefail
"$(dirname "$(realpath "$0")")/../java.sh" dev.slipway.ops.AnalyticsBench "${1:-10000000}" "${2:-20}" \
  2> >(grep -v ' INFO \| DEBUG ' >&2)

#!/usr/bin/env bash
# bench/ai/schema.sh — how long GET /api/schema takes on a database of many tables (SchemaBench):
# the whole schema and the tables a description is about, through a real Slipway on the test
# PostgreSQL (SLIPWAY_TEST_PG, the machine's, or the embedded one).
# Usage: bench/ai/schema.sh [tables, default 500] [runs, default 20]
set -euo pipefail
"$(dirname "$(realpath "$0")")/../java.sh" dev.slipway.generate.SchemaBench "${1:-500}" "${2:-20}" \
  2> >(grep -v ' INFO \| DEBUG ' >&2)

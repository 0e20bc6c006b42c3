#!/usr/bin/env bash
# bench/recorder/run.sh — what recording every call costs (issue 21): W1 against the Bun peer, with
# the call log kept in the database (the default: rows, rollups, partitions) and with it off
# (SLIPWAY_CALL_LOG_KEEP=false), each run interleaved with Bun round by round (bench/run.sh
# INTERLEAVE=1), so that each Slipway round has a Bun round beside it; the figure to read is
# Slipway's share of Bun's rate in each run, and how far the two shares are apart.
# Usage: ROUNDS=3 DURATION=15s bench/recorder/run.sh   (KEEPS="true false": the runs, in order)
set -euo pipefail
here=$(dirname "$(realpath "$0")")
export ROUNDS=${ROUNDS:-3} WORKLOADS=${WORKLOADS:-w1} INTERLEAVE=1 PEERS="slipway bun"
out=$(mktemp -d)
for keep in ${KEEPS:-true false true false}; do
  SLIPWAY_CALL_LOG_KEEP=$keep "$here/../run.sh" > "$out/keep-$keep-$(date +%s).txt"
done
for file in "$out"/keep-*.txt; do
  echo "== $(basename "$file" .txt)"
  cat "$file"
done
# Slipway's share of Bun's requests per second, round by round, from each run's results file
for file in "$out"/keep-*.txt; do
  tsv=$(sed -n 's/^Results (\(.*\)),.*/\1/p' "$file")
  awk -F'\t' 'NR > 1 { split($2, p, "/"); r[p[1] "/" p[2]] = $4; if (p[1] != "peer-bun") s[p[2]] = p[1] }
    END { for (round in s) printf "%s %s: %.1f%% of Bun (%.0f vs %.0f req/s)\n", s[round], round,
            100 * r[s[round] "/" round] / r["peer-bun/" round], r[s[round] "/" round], r["peer-bun/" round] }' "$tsv"
done | sort

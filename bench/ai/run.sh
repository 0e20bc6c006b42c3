#!/usr/bin/env bash
# bench/ai/run.sh — the prompt set (bench/ai/prompts.json, 40 prompts over the bookshop schema of
# bench/ai/shop.sql) against the configured planner, the offline one when no model is configured
# (PromptEval): execution accuracy, generation time, repair rounds; one line per prompt on stderr.
# Usage: bench/ai/run.sh [prompt ids...]   (with ids: only those, each spec and answer printed)
# With SLIPWAY_AI_PROVIDER (and the other SLIPWAY_AI_* settings) in the environment the model is
# asked instead, each prompt EVAL_RUNS times (3), and pass^3 is reported too.
set -euo pipefail
"$(dirname "$(realpath "$0")")/../java.sh" dev.slipway.generate.PromptEval "$@" \
  2> >(grep -v ' INFO \| DEBUG \| WARN ' >&2)

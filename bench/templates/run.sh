#!/usr/bin/env bash
# bench/templates/run.sh — how long the crud-endpoint template takes to generate a bundle from the
# founding brief's config, and whether every generation is byte-identical (GenerationBench).
# Usage: bench/templates/run.sh [runs, default 2000]
set -euo pipefail
exec "$(dirname "$(realpath "$0")")/../java.sh" dev.slipway.templates.GenerationBench "${1:-2000}"

#!/usr/bin/env bash
# bench/templates/run.sh — how long the crud-endpoint template takes to generate a bundle from the
# founding brief's config, and whether every generation is byte-identical (GenerationBench).
# Usage: bench/templates/run.sh [runs, default 2000]
set -euo pipefail
repo=$(git -C "$(dirname "$(realpath "$0")")" rev-parse --show-toplevel)
. "$repo/bin/jdk.sh"
cd "$repo"
export JAVA_HOME=$java_home
mvn -q -B -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt >&2
"$java_home/bin/java" -cp "target/classes:target/test-classes:$(cat target/bench-classpath.txt)" \
  dev.slipway.templates.GenerationBench "${1:-2000}"

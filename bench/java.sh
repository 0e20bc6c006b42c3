#!/usr/bin/env bash
# bench/java.sh CLASS [ARGS...] — runs a bench written in Java (under src/test/java) on the
# project's JDK with the test class path, after compiling it. Used by the bench scripts that are
# Java programs (bench/templates/run.sh, bench/ai/schema.sh).
set -euo pipefail
repo=$(git -C "$(dirname "$(realpath "$0")")" rev-parse --show-toplevel)
. "$repo/bin/jdk.sh"
cd "$repo"
export JAVA_HOME=$java_home
mvn -q -B -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt >&2
main=$1
shift
# absolute paths: a bench that starts Slipway starts sandbox workers with this class path
exec "$java_home/bin/java" -cp "$repo/target/classes:$repo/target/test-classes:$(cat target/bench-classpath.txt)" "$main" "$@"

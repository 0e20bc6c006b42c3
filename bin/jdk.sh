# Sourced by bin/slipway and bin/test: finds a JDK 25 and exports JAVA_HOME to it.
# JAVA_HOME wins when it is a JDK 25; otherwise the first /usr/lib/jvm/*25* that has bin/java.

# "25.0.3" from a JDK's release file, or from `java -version` when it has none.
jdk_version() {
  local home="$1" version=""
  if [[ -f "$home/release" ]]; then
    version="$(sed -n 's/^JAVA_VERSION="\(.*\)"$/\1/p' "$home/release")"
  fi
  if [[ -z "$version" ]]; then
    version="$("$home/bin/java" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n 1)"
  fi
  echo "$version"
}

find_jdk() {
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" && "$(jdk_version "$JAVA_HOME")" == 25* ]]; then
    echo "$JAVA_HOME"
    return
  fi
  local candidate
  for candidate in /usr/lib/jvm/*25*; do
    if [[ -x "$candidate/bin/java" && "$(jdk_version "$candidate")" == 25* ]]; then
      echo "$candidate"
      return
    fi
  done
  echo "slipway: no JDK 25 found: set JAVA_HOME to one (JAVA_HOME=${JAVA_HOME:-unset}, nothing under /usr/lib/jvm/*25*)" >&2
  return 1
}

java_home="$(find_jdk)" || exit 1
export JAVA_HOME="$java_home"

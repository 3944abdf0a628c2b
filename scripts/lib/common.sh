# Shared by the scripts in scripts/: locate a JDK >= 25 and the project root.
# Sourced, not executed.

VECRNN_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# Prints the major version of the java binary given as $1 (empty if it does not run).
_vecrnn_java_major() {
  "$1" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n1
}

# Sets JAVA_HOME to a JDK >= 25: $JAVA_HOME first, then the java on PATH, then /usr/lib/jvm/*.
vecrnn_find_jdk() {
  local candidates=() c major
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if command -v java >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  fi
  for c in /usr/lib/jvm/*; do [ -d "$c" ] && candidates+=("$c"); done
  for c in "${candidates[@]}"; do
    [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ] || continue
    major="$(_vecrnn_java_major "$c/bin/java")"
    if [ -n "$major" ] && [ "$major" -ge 25 ]; then
      export JAVA_HOME="$c"
      export PATH="$JAVA_HOME/bin:$PATH"
      return 0
    fi
  done
  cat >&2 <<'MSG'
vecrnn needs a JDK 25 or newer (the Vector API incubator module, jdk.incubator.vector).
None was found in $JAVA_HOME, on PATH, or under /usr/lib/jvm.
Install one, for example Eclipse Temurin 25 (https://adoptium.net/, or your distribution's
temurin-25-jdk package), then either put it on PATH or run:  export JAVA_HOME=/path/to/jdk-25
MSG
  return 1
}

vecrnn_need_maven() {
  if ! command -v mvn >/dev/null 2>&1; then
    echo "vecrnn: Maven (mvn) is needed to build; install Apache Maven 3.8 or newer." >&2
    return 1
  fi
}

# Maven on JDK 25: silence its own dependencies' sun.misc.Unsafe warnings.
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"

# JVM flags every run of vecrnn needs.
VECRNN_JVM_FLAGS=(--add-modules jdk.incubator.vector -XX:+UseParallelGC)

#!/usr/bin/env bash
# Backfill of a new segment vs DuckDB on the same events (see BackfillBenchmark's Javadoc).
#   rebound-bench/backfill-bench.sh [events=10000000] [visitors=500000] [products=5000] [days=30]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
"$ROOT/rebound" --version >/dev/null   # picks a JDK >= 21 and builds
source <(grep -E '^(java_major|find_jdk)' -A30 "$ROOT/rebound" | sed -n '/^java_major/,/^}/p;/^find_jdk/,/^}/p')
JAVA_HOME="$(find_jdk)"
(cd "$ROOT" && JAVA_HOME="$JAVA_HOME" ./mvnw -q -B -ntp -o -pl rebound-core,rebound-server,rebound-bench -am package -DskipTests)
exec "$JAVA_HOME/bin/java" -Xmx12g --enable-native-access=ALL-UNNAMED \
  -cp "$ROOT/rebound-bench/target/rebound-bench-0.1.0-SNAPSHOT.jar:$ROOT/rebound-bench/target/lib/*" \
  io.rebound.bench.BackfillBenchmark "$@"

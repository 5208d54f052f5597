#!/usr/bin/env bash
# Throughput of the embedded audience runtime alone (see RuntimeThroughputBenchmark).
#   rebound-bench/runtime-bench.sh [events=300000] [visitors=30000]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
"$ROOT/rebound" --version >/dev/null
JAVA_HOME="$(ls -d /usr/lib/jvm/*/ | while read -r j; do v=$("$j/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/{print $2}'); [ "${v%%.*}" -ge 21 ] 2>/dev/null && echo "$j"; done | tail -1)"
(cd "$ROOT" && JAVA_HOME="$JAVA_HOME" ./mvnw -q -B -ntp -pl rebound-core,rebound-server,rebound-bench -am package -DskipTests)
exec "$JAVA_HOME/bin/java" -Xmx4g --enable-native-access=ALL-UNNAMED \
  -cp "$ROOT/rebound-bench/target/rebound-bench-0.1.0-SNAPSHOT.jar:$ROOT/rebound-bench/target/lib/*" \
  io.rebound.bench.RuntimeThroughputBenchmark "$@"

#!/usr/bin/env bash
# Customer-list sync freshness under collector load: accepted add-to-cart -> in the platform's list,
# against accepted -> member in the audience engine (SyncFreshnessBenchmark).
#   rebound-bench/freshness-bench.sh [events/s=1000] [seconds=30]
set -euo pipefail
source "$(dirname "$0")/bench-env.sh"
exec "$JAVA_HOME/bin/java" -Xmx4g --enable-native-access=ALL-UNNAMED -cp "$BENCH_CP" \
  io.rebound.bench.SyncFreshnessBenchmark "$@"

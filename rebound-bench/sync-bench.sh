#!/usr/bin/env bash
# Customer-list sync throughput into the local Meta contract server, with a same-run baseline
# (SyncThroughputBenchmark).
#   rebound-bench/sync-bench.sh [changes=200000] [rounds=5]
set -euo pipefail
source "$(dirname "$0")/bench-env.sh"
exec "$JAVA_HOME/bin/java" -Xmx4g --enable-native-access=ALL-UNNAMED -cp "$BENCH_CP" \
  io.rebound.bench.SyncThroughputBenchmark "$@"

#!/usr/bin/env bash
# Throughput of the embedded audience runtime alone, then membership lookups/s (RuntimeThroughputBenchmark).
#   [LOAD=product-views] rebound-bench/runtime-bench.sh [events=300000] [visitors=30000] [segments=5] [rounds=3] [warmup-events=events]
# The event indexer and the audience runtime drain a log filled beforehand, side by side. A warm-up round
# (its own data directory, same templates, other visitors; warmup-events=0 skips it) warms the JIT first;
# then `rounds` measured rounds, each on a new data directory, and their median.
set -euo pipefail
source "$(dirname "$0")/bench-env.sh"
exec "$JAVA_HOME/bin/java" ${BENCH_JAVA_OPTS:-} -Xmx4g --enable-native-access=ALL-UNNAMED -cp "$BENCH_CP" \
  io.rebound.bench.RuntimeThroughputBenchmark "$@"

#!/usr/bin/env bash
# Backfill of a new segment vs DuckDB on the same events (see BackfillBenchmark's Javadoc).
#   rebound-bench/backfill-bench.sh [events=10000000] [visitors=500000] [products=5000] [days=30]
set -euo pipefail
source "$(dirname "$0")/bench-env.sh"
exec "$JAVA_HOME/bin/java" -Xmx12g --enable-native-access=ALL-UNNAMED -cp "$BENCH_CP" \
  io.rebound.bench.BackfillBenchmark "$@"

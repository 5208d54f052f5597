#!/usr/bin/env bash
# Soak of retention (RetentionSoakBenchmark): steady load against an in-process server whose clock runs
# `speed` times faster, so a 1-day store retention and a 1-hour log retention pass several times;
# prints disk (log, RocksDB) and heap after GC over time and whether both reached a plateau.
#   rebound-bench/soak-bench.sh [minutes=12] [events-per-second=2000] [speed=360]
set -euo pipefail
source "$(dirname "$0")/bench-env.sh"
exec "$JAVA_HOME/bin/java" -Xmx1g --enable-native-access=ALL-UNNAMED -cp "$BENCH_CP" \
  io.rebound.bench.RetentionSoakBenchmark "$@"

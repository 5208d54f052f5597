#!/usr/bin/env bash
# Server-side event forwarding throughput against the collector's end-to-end rate in the same run, into
# the local Meta contract server (ForwardingThroughputBenchmark).
#   rebound-bench/forwarding-bench.sh [events=50000] [rounds=4]
set -euo pipefail
source "$(dirname "$0")/bench-env.sh"
exec "$JAVA_HOME/bin/java" -Xmx4g --enable-native-access=ALL-UNNAMED -cp "$BENCH_CP" \
  io.rebound.bench.ForwardingThroughputBenchmark "$@"

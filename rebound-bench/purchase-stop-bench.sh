#!/usr/bin/env bash
# Purchase -> every abandoner flow and offer stopped (PurchaseStopBenchmark), in the embedded
# server's components with the email worker and the decision API as the server runs them.
#   rebound-bench/purchase-stop-bench.sh [persons=200] [wave=20]
set -euo pipefail
source "$(dirname "$0")/bench-env.sh"
exec "$JAVA_HOME/bin/java" -Xmx2g --enable-native-access=ALL-UNNAMED -cp "$BENCH_CP" \
  io.rebound.bench.PurchaseStopBenchmark "$@"

#!/usr/bin/env bash
# Email render + SMTP send throughput into a local SMTP server (GreenMail in the JVM), with a
# same-run baseline of sending a pre-rendered email (EmailSendBenchmark).
#   rebound-bench/email-bench.sh [emails=2000] [rounds=5]
set -euo pipefail
source "$(dirname "$0")/bench-env.sh"
exec "$JAVA_HOME/bin/java" -Xmx2g -cp "$BENCH_CP" io.rebound.bench.EmailSendBenchmark "$@"

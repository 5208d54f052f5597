#!/usr/bin/env bash
# Every benchmark of docs/PERFORMANCE.md in one session, on a machine with nothing else running.
set -euo pipefail
DIR="$(cd "$(dirname "$0")" && pwd)"
echo "### $(date -u +%FT%TZ) $(nproc) cores, $(uptime | sed 's/.*load/load/')"
echo "### collector (wrk, 20 s each)";             "$DIR/collector-bench.sh" 20 2>&1 | grep -E "^(==|consumers| +(99%|Req))|^(no-op|single|batch)"
for rate in 1000 3000 6000; do
  echo "### event -> membership at $rate accepted events/s"; RATE=$rate "$DIR/latency-bench.sh" 15 4 2>&1 | tail -3
done
echo "### event -> membership, unthrottled (saturation)"; "$DIR/latency-bench.sh" 15 4 2>&1 | tail -3
echo "### audience runtime alone + lookups";       "$DIR/runtime-bench.sh" 300000 30000 2>&1 | grep -v WARN
echo "### customer-list sync";                     "$DIR/sync-bench.sh" 100000 5 2>&1 | grep -E "round|changes/s"
echo "### customer-list sync freshness";           "$DIR/freshness-bench.sh" 1000 30 2>&1 | grep -E "^sent|p50"
echo "### backfill vs DuckDB, 10M events";         "$DIR/backfill-bench.sh" 2>&1 | grep -v WARN
echo "### cluster pipeline (in-JVM broker, 1 and 2 stream instances)"; "$DIR/cluster-bench.sh" 2>&1 | grep -v -E "WARN|^\s*at "
echo "### store webhooks (wrk, 3 × 15 s against the no-op)"; "$DIR/webhook-bench.sh" 15 2>&1 | grep -E "^(warmed|run|webhook)"

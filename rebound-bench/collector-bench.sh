#!/usr/bin/env bash
# HTTP load benchmark of the collector, run by hand (not by the tests):
#   [WARMUP=45] [TEMPLATES="product_viewers ..."] rebound-bench/collector-bench.sh [duration-seconds]
# Starts `rebound serve` on a fresh data directory with the no-op baseline endpoint and a store with
# the five segment templates (TEMPLATES to change), then runs
# wrk in the same session against: the no-op endpoint (baseline), single-event /v1/track
# (acknowledged after the durable append), and /v1/batch with 100 events per request.
set -euo pipefail
source "$(dirname "$0")/bench-server.sh"
DUR="${1:-20}"
PORT="${PORT:-18080}"
THREADS="${THREADS:-2}"
CONNS="${CONNS:-64}"
FSYNC="${FSYNC:-false}"
require_wrk
start_server rebound-bench REBOUND_NOOP_ENDPOINT=true "${NO_RATE_LIMITS[@]}" REBOUND_FSYNC=$FSYNC
wait_for_server 100 0.3
create_store Bench
add_segment_templates
AUTH="Authorization: Basic $(printf '%s:' "$WK" | base64 -w0)"
catch_up() { # seconds until the log's consumers (indexer, audience runtime) have read everything
  local start=$(date +%s.%N)
  wait_for_consumers
  seconds_since "$start"
}
run() { # name path script
  echo "== $1"
  wrk -t"$THREADS" -c"$CONNS" -d"${DUR}s" --latency -H "$AUTH" -H 'Content-Type: application/json' \
      -s "$ROOT/rebound-bench/wrk/$3" "http://127.0.0.1:$PORT$2" | tee "$DATA/$1.txt" | grep -E 'Requests/sec|99%|Non-2xx|Socket errors' || true
  echo "consumers caught up $(catch_up | tee "$DATA/$1.catchup") s after the run"
}
# Warm up the JIT on every path before measuring: under full load C2 needs ~40 s to compile the
# collector's path (its threads take a third of the CPU until then), the no-op's much less. A
# figure taken earlier measures the compiler, not the server (docs/PERFORMANCE.md).
WARMUP="${WARMUP:-45}"
wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" -H "$AUTH" -s "$ROOT/rebound-bench/wrk/single.lua" "http://127.0.0.1:$PORT/v1/track" >/dev/null
wrk -t"$THREADS" -c"$CONNS" -d"$((WARMUP / 4))s" -H "$AUTH" -s "$ROOT/rebound-bench/wrk/batch.lua" "http://127.0.0.1:$PORT/v1/batch" >/dev/null
wrk -t"$THREADS" -c"$CONNS" -d"$((WARMUP / 3))s" -H "$AUTH" -s "$ROOT/rebound-bench/wrk/single.lua" "http://127.0.0.1:$PORT/v1/noop" >/dev/null
echo "warmed up ${WARMUP} s; consumers caught up $(catch_up) s later"
run noop /v1/noop single.lua
run single /v1/track single.lua
run batch /v1/batch batch.lua
python3 - "$DATA" "$DUR" <<'PY'
import re, sys
d = sys.argv[1]
def rps(n):
    return float(re.search(r'Requests/sec:\s+([\d.]+)', open(f"{d}/{n}.txt").read()).group(1))
def p99(n):
    m = re.search(r'99%\s+([\d.]+)(us|ms|s)', open(f"{d}/{n}.txt").read())
    v, u = float(m.group(1)), m.group(2)
    return v / 1000 if u == 'us' else v * 1000 if u == 's' else v
noop, single, batch = rps('noop'), rps('single'), rps('batch')
def caught(n):
    return float(open(f"{d}/{n}.catchup").read())
dur = float(sys.argv[2])
def sustained(n, per_request):
    # Every accepted event of the run, over the run plus the consumers' catch-up: the end-to-end rate.
    return rps(n) * per_request * dur / (dur + caught(n))
print(f"\nno-op baseline      {noop:10.0f} req/s   p99 {p99('noop'):.2f} ms")
print(f"single-event track  {single:10.0f} req/s   p99 {p99('single'):.2f} ms   ratio to no-op {single / noop:.2f}x"
      f"   consumers caught up {caught('single'):.1f} s later (end to end {sustained('single', 1):.0f} events/s)")
print(f"batch (100/request) {batch * 100:10.0f} events/s p99 {p99('batch'):.2f} ms"
      f"   consumers caught up {caught('batch'):.1f} s later (end to end {sustained('batch', 100):.0f} events/s)")
PY

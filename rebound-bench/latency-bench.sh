#!/usr/bin/env bash
# Event -> membership latency under collector load, run by hand:
#   RATE=3000 rebound-bench/latency-bench.sh [duration-seconds] [connections]
# RATE paces the load generator itself (wrk/paced.lua: PACED_CONNS connections, 12 by default, each
# waiting PACED_CONNS*1000/RATE ms after a response), so latency is measured at a known load rather
# than as queueing at saturation.
# (Capping with the server's rate limiter instead floods it with cheap 429s that saturate both
# cores, and the log's consumers, at background-nice 10, then starve.) Without RATE: saturation.
# Starts `rebound serve`, creates a store with the five segment templates (TEMPLATES to change;
# before 2026-12-02 it had two: product_viewers cart_abandoners), drives single-event ViewContent
# traffic with wrk, then reads the runtime's own timer rebound_audience_event_to_membership_seconds (collector accept -> memberships committed).
set -euo pipefail
source "$(dirname "$0")/bench-server.sh"
DUR="${1:-15}"
CONNS="${2:-16}"
PORT="${PORT:-18180}"
require_wrk
start_server rebound-latency "${NO_RATE_LIMITS[@]}"
wait_for_server 100 0.3
create_store Latency
add_segment_templates
AUTH="Authorization: Basic $(printf '%s:' "$WK" | base64 -w0)"
SCRIPT=single.lua
if [ -n "${RATE:-}" ]; then
  # wrk's delay is whole milliseconds: above ~6,000/s pace more connections (PACED_CONNS) with a longer delay.
  # RATE counts events: with BATCH=n events per request (sent to /v1/batch) the requests are RATE/n.
  SCRIPT=paced.lua CONNS=${PACED_CONNS:-12}
  export BATCH="${BATCH:-1}"
  export DELAY_MS=$((CONNS * 1000 * BATCH / RATE))
fi
ENDPOINT=/v1/track
[ "${BATCH:-1}" -gt 1 ] && ENDPOINT=/v1/batch
# Warm up (JIT, caches) at the same load; the runtime's percentiles cover only the last 10-20 s.
wrk -t2 -c"$CONNS" -d20s -H "$AUTH" -s "$ROOT/rebound-bench/wrk/$SCRIPT" "$BASE$ENDPOINT" >/dev/null
wrk -t2 -c"$CONNS" -d"${DUR}s" --latency -H "$AUTH" -s "$ROOT/rebound-bench/wrk/$SCRIPT" "$BASE$ENDPOINT" > "$DATA/wrk.txt"
# Only 2xx answers count as accepted events.
python3 - "$DATA/wrk.txt" "${BATCH:-1}" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
batch = int(sys.argv[2])
done = re.search(r'(\d+) requests in ([\d.]+)(m?s)', t)
requests, secs = int(done.group(1)), float(done.group(2)) * (60 if done.group(3) == 'm' else 1)
non2xx = re.search(r'Non-2xx or 3xx responses: (\d+)', t)
ok = requests - (int(non2xx.group(1)) if non2xx else 0)
p99 = re.search(r'99%\s+(\S+)', t).group(1)
print(f"collector: {ok / secs:,.0f} requests/s with 2xx, {ok * batch / secs:,.0f} accepted events/s "
      f"({batch} per request), request p99 {p99}, non-2xx {requests - ok}")
PY
curl -sf "$BASE/metrics" > "$DATA/metrics.txt"
python3 - "$DATA/metrics.txt" <<'PY'
import re, sys
m = open(sys.argv[1]).read()
def q(quantile):
    r = re.search(r'rebound_audience_event_to_membership_seconds\{[^}]*quantile="%s"[^}]*\}\s+([\d.eE+-]+)' % quantile, m)
    return float(r.group(1)) * 1000 if r else float('nan')
count = re.search(r'rebound_audience_event_to_membership_seconds_count\S*\s+([\d.eE+]+)', m)
print(f"event -> membership (runtime timer over the last 10-20 s; {int(float(count.group(1))):,} events in all): p50 {q('0.5'):.1f} ms, p99 {q('0.99'):.1f} ms")
PY

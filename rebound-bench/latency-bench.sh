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
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DUR="${1:-15}"
CONNS="${2:-16}"
PORT="${PORT:-18180}"
command -v wrk >/dev/null || apt-get install -y -qq wrk
DATA="$(mktemp -d /tmp/rebound-latency.XXXXXX)"
"$ROOT/rebound" --version >/dev/null
export REBOUND_PORT=$PORT REBOUND_HOST=127.0.0.1 REBOUND_DATA_DIR="$DATA" REBOUND_ADMIN_TOKEN=bench \
       REBOUND_RATE_LIMIT_PER_SECOND=100000000 REBOUND_RATE_LIMIT_BURST=100000000 \
       REBOUND_IP_RATE_LIMIT_PER_SECOND=100000000 REBOUND_IP_RATE_LIMIT_BURST=100000000
"$ROOT/rebound" serve > "$DATA/server.log" 2>&1 &
SERVER=$!
trap 'status=$?; kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true; rm -rf "$DATA"; exit $status' EXIT
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 100); do curl -sf "$BASE/health" >/dev/null && break; sleep 0.3; done
STORE_JSON=$(curl -sf -X POST -H 'Authorization: Bearer bench' -d '{"name":"Latency"}' "$BASE/api/v1/stores")
STORE=$(echo "$STORE_JSON" | python3 -c 'import sys,json;print(json.load(sys.stdin)["id"])')
WK=$(echo "$STORE_JSON" | python3 -c 'import sys,json;print(json.load(sys.stdin)["write_key"])')
SK=$(echo "$STORE_JSON" | python3 -c 'import sys,json;print(json.load(sys.stdin)["secret_key"])')
for t in ${TEMPLATES:-product_viewers cart_abandoners past_purchasers abandoner_reminder abandoner_offer}; do
  curl -sf -X POST -H "Authorization: Bearer $SK" -H 'Content-Type: application/json' \
       -d "{\"template\":\"$t\"}" "$BASE/api/v1/stores/$STORE/segments" >/dev/null
done
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

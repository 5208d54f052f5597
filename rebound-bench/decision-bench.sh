#!/usr/bin/env bash
# Decision API latency at a paced load, run by hand:
#   [RATE=2000] [VISITORS=10000] [RUNS=3] [WARM=30] [JITTER=1] rebound-bench/decision-bench.sh [duration-seconds=30]
# Starts `rebound serve` (with the no-op baseline endpoint) on a fresh data directory, creates a store
# with the seed's three products, a product_viewers segment for the yoga mat and an on-site campaign
# (reminder carousel), makes VISITORS visitors view the mat (/v1/batch) and waits until the runtime has
# read them. Then, per run, wrk (rebound-bench/wrk/decide.lua, distinct visitor ids per thread, paced to
# RATE) against the no-op endpoint (baseline, same rate) and GET /decide. A run with any non-2xx answer
# fails the script: only 2xx are counted. JITTER=1 (the default) draws each connection's pause from 0 to
# twice the mean, so that requests arrive independently, as shoppers' do; JITTER=0 keeps the fixed pause,
# whose connections stay in phase and arrive in waves of CONNS/2 requests per event loop (docs/PERFORMANCE.md).
set -euo pipefail
source "$(dirname "$0")/bench-server.sh"
DUR="${1:-30}"
PORT="${PORT:-18280}"
RATE="${RATE:-2000}"
RUNS="${RUNS:-3}"
WARM="${WARM:-30}"   # seconds of each warm-up run (decide, then no-op): C2 was still compiling after 20
export VISITORS="${VISITORS:-10000}" THREADS=2 DELAY_MS=10 JITTER="${JITTER:-1}"
CONNS=$(( RATE * 11 / 1000 ))   # 10 ms pause + ~1 ms answer per request and connection
require_wrk
SERVER_LOG_ON_FAILURE=20
start_server rebound-decide REBOUND_NOOP_ENDPOINT=true "${NO_RATE_LIMITS[@]}"
wait_for_server 400 0.3
create_store Decide
for p in "yoga-mat|Yoga mat|68.00|21.00" "yoga-block|Yoga block|18.00|5.00" "yoga-strap|Carry strap|12.00|3.50"; do
  IFS='|' read -r id title price cost <<< "$p"
  curl -sf -X PUT "$BASE/api/v1/stores/$STORE/products/$id" -H "Authorization: Bearer $SK" -d "{\"title\": \"$title\",
    \"description\": \"$title\", \"link\": \"https://shop.example/$id\", \"image_link\": \"https://shop.example/$id.jpg\",
    \"price\": \"$price\", \"cost\": \"$cost\", \"currency\": \"USD\", \"availability\": \"in_stock\"}" >/dev/null
done
SEGMENT=$(curl -sf -X POST "$BASE/api/v1/stores/$STORE/segments" -H "Authorization: Bearer $SK" \
  -d '{"template": "product_viewers", "within_days": 14, "product_id": "yoga-mat"}' | json_field id)
curl -sf -X POST "$BASE/api/v1/stores/$STORE/campaigns" -H "Authorization: Bearer $SK" -d '{
  "name": "Yoga mat viewers", "segment_id": "'"$SEGMENT"'",
  "channels": {"ads": [], "email": false, "onsite": ["home_banner"]},
  "touches": [{"after_hours": 0, "creative": {"products": ["yoga-mat", "yoga-block", "yoga-strap"],
                                              "headline": "Still thinking about it?"}}],
  "caps": {"per_person_per_day": 100}, "holdout_percent": 10}' >/dev/null
AUTH="Authorization: Basic $(printf '%s:' "$WK" | base64 -w0)"
python3 - "$VISITORS" > "$DATA/batches.txt" <<'PY'
import json, sys
n = int(sys.argv[1])
for start in range(0, n, 100):
    print(json.dumps({"batch": [{"type": "track", "event": "ViewContent", "messageId": f"load-{i}",
        "anonymousId": f"d-{i}", "properties": {"content_ids": ["yoga-mat"], "value": 68, "currency": "USD"}}
        for i in range(start, min(n, start + 100))]}))
PY
while read -r line; do
  curl -sf -X POST -H "$AUTH" -H 'Content-Type: application/json' -d "$line" "$BASE/v1/batch" >/dev/null
done < "$DATA/batches.txt"
wait_for_consumers
curl -sf "$BASE/api/v1/stores/$STORE/decide?visitor=d-1&placement=home_banner" -H "Authorization: Bearer $SK" \
  | grep -q '"reason":"\(reminder\|holdout\)"' || { echo "d-1 is not in the campaign's segment"; exit 1; }
DECIDE="/api/v1/stores/$STORE/decide?placement=home_banner"
cpu_ticks() { awk '{print $14, $15}' "/proc/$SERVER/stat"; } # the server's user and system time, in clock ticks
wrkrun() { # name method path
  local before after; before=($(cpu_ticks))
  METHOD=$2 DECIDE_PATH=$3 wrk -t"$THREADS" -c"$CONNS" -d"${DUR}s" --latency -H "Authorization: Bearer $SK" \
    -s "$ROOT/rebound-bench/wrk/decide.lua" "$BASE$3" > "$DATA/$1.txt"
  after=($(cpu_ticks))
  echo "server cpu ticks user $(( after[0] - before[0] )) system $(( after[1] - before[1] )) of $(getconf CLK_TCK)/s" >> "$DATA/$1.txt"
}
# Warm up both paths (JIT, the campaign cache, H2's pages).
DUR_SAVED=$DUR; DUR=$WARM; wrkrun warm GET "$DECIDE"; wrkrun warm POST /v1/noop; DUR=$DUR_SAVED
echo "store $STORE: $VISITORS visitors in the segment; $CONNS connections x $THREADS threads, ${DELAY_MS} ms pause (target $RATE req/s), pauses $([ "$JITTER" = 1 ] && echo "drawn from 0 to $((2 * DELAY_MS)) ms" || echo "fixed")"
for r in $(seq 1 "$RUNS"); do
  wrkrun "noop-$r" POST /v1/noop
  wrkrun "decide-$r" GET "$DECIDE"
done
python3 - "$DATA" "$RUNS" <<'PY'
import re, sys
d, runs = sys.argv[1], int(sys.argv[2])
def read(name):
    t = open(f"{d}/{name}.txt").read()
    good, bad = map(int, re.search(r'2xx (\d+) non-2xx (\d+)', t).groups())
    if bad:
        sys.exit(f"{name}: {bad} non-2xx answers: the run does not count")
    def ms(q):
        v, u = re.search(r'%s%%\s+([\d.]+)(us|ms|s)\b' % q, t).groups()
        return float(v) / 1000 if u == 'us' else float(v) * 1000 if u == 's' else float(v)
    user, system, hz = map(int, re.search(r'server cpu ticks user (\d+) system (\d+) of (\d+)/s', t).groups())
    total = max(int(re.search(r'(\d+) requests in', t).group(1)), 1)
    cpu = f"{(user + system) / hz * 1e6 / total:.0f} us cpu/req ({user / hz * 1e6 / total:.0f} user)"
    return float(re.search(r'Requests/sec:\s+([\d.]+)', t).group(1)), ms('50'), ms('99'), good, cpu
for r in range(1, runs + 1):
    n_rps, n50, n99, _, n_cpu = read(f"noop-{r}")
    d_rps, d50, d99, good, d_cpu = read(f"decide-{r}")
    print(f"run {r}: no-op {n_rps:7.0f} req/s p50 {n50:.2f} ms p99 {n99:.2f} ms {n_cpu} | decide {d_rps:7.0f} "
          f"req/s p50 {d50:.2f} ms p99 {d99:.2f} ms {d_cpu}, {good} 2xx, 0 other | p99 ratio {d99 / n99:.2f}")
PY

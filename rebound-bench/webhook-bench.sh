#!/usr/bin/env bash
# HTTP load benchmark of the store webhook receiver, run by hand (not by the tests):
#   [WARMUP=30] [RUNS=3] rebound-bench/webhook-bench.sh [duration-seconds]
# Starts `rebound serve` on a fresh data directory with the no-op baseline endpoint, creates a store
# with a Shopify webhook secret, signs 500 orders (Shopify's documented orders/create example with
# distinct ids) with python3's hmac, then runs wrk, alternating, RUNS times: the no-op endpoint
# (baseline) and POST /webhooks/{store}/shopify with a signed order and a new X-Shopify-Webhook-Id per
# request (each one verified, mapped, stored durably in the inbox and answered 200; processed after).
# Only 2xx answers count. Afterwards it reports how long the worker took to process the backlog.
set -euo pipefail
source "$(dirname "$0")/bench-server.sh"
DUR="${1:-15}"
RUNS="${RUNS:-3}"
PORT="${PORT:-$(free_port)}"
THREADS="${THREADS:-2}"
CONNS="${CONNS:-64}"
require_wrk
start_server rebound-webhook-bench REBOUND_NOOP_ENDPOINT=true
wait_for_server 400 0.3
kill -0 $SERVER 2>/dev/null || { echo "the server did not start:" >&2; tail -5 "$DATA/server.log" >&2; exit 1; }
create_store "Webhook bench"
SECRET="shpss_bench_0123456789abcdef0123456789"
curl -sf -X PUT -H "Authorization: Bearer $SK" -H 'Content-Type: application/json' \
     -d "{\"secret\":\"$SECRET\"}" "http://127.0.0.1:$PORT/api/v1/stores/$STORE/webhooks/shopify" >/dev/null
# 500 signed orders as a Lua table; the delivery id header (not signed) is new on every request.
python3 - "$ROOT/rebound-server/src/test/resources/io/rebound/server/webhooks/shopify-orders-create.json" \
    "$SECRET" > "$DATA/orders.lua" <<'PY'
import base64, datetime, hashlib, hmac, json, sys
order = json.load(open(sys.argv[1]))
secret = sys.argv[2].encode()
now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
print("orders = {")
for i in range(500):
    o = dict(order, id=7_000_000_000 + i, created_at=now.isoformat(), email=f"buyer{i}@example.com",
             contact_email=f"buyer{i}@example.com",
             customer=dict(order["customer"], id=8_000_000_000 + i),
             note_attributes=[{"name": "_rb_aid", "value": f"bench-visitor-{i}"}])
    body = json.dumps(o, separators=(",", ":"))
    sig = base64.b64encode(hmac.new(secret, body.encode(), hashlib.sha256).digest()).decode()
    print("  {body = %s, sig = %s}," % (json.dumps(body), json.dumps(sig)))
print("}")
PY
cat > "$DATA/webhook.lua" <<LUA
dofile("$DATA/orders.lua")
local counter = 0
local thread_id = 0
function setup(thread) thread:set("tid", thread_id); thread_id = thread_id + 1 end
request = function()
  counter = counter + 1
  local o = orders[(counter % #orders) + 1]
  local headers = {["Content-Type"] = "application/json", ["X-Shopify-Topic"] = "orders/create",
                   ["X-Shopify-Hmac-Sha256"] = o.sig, ["X-Shopify-Shop-Domain"] = "bench.myshopify.com",
                   ["X-Shopify-Webhook-Id"] = string.format("bench-%s-%d", tid, counter)}
  return wrk.format("POST", wrk.path, headers, o.body)
end
LUA
cat > "$DATA/noop.lua" <<LUA
dofile("$DATA/orders.lua")
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("POST", wrk.path, {["Content-Type"] = "application/json"}, orders[(counter % #orders) + 1].body)
end
LUA
HOOK="/webhooks/$STORE/shopify"
catch_up() { # seconds until the worker has processed every stored delivery (one poller, not a curl and a python3 a poll)
  python3 - "$PORT" <<'PY'
import http.client, re, sys, time
conn = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=30)
def deliveries(text, outcomes):
    pattern = r'rebound_webhooks_deliveries_total\{outcome="(%s)",platform="shopify"\} ([\d.E]+)' % outcomes
    return sum(float(m.group(2)) for m in re.finditer(pattern, text))
start = time.time()
while True:
    conn.request("GET", "/metrics")  # one scrape a poll, both counts read from it
    text = conn.getresponse().read().decode()
    stored = deliveries(text, "stored|processing_ignored|processing_rejected")
    accepted = deliveries(text, "accepted|ignored")
    if accepted == 0:
        sys.exit("no Shopify deliveries counted in /metrics: has rebound_webhooks_deliveries_total changed?")
    if stored >= accepted or time.time() - start >= 600:
        break
    time.sleep(0.2)
print(f"{time.time() - start:.1f}")
print(f"caught up: {stored:.0f} of {accepted:.0f} processed", file=sys.stderr)
PY
}
WARMUP="${WARMUP:-30}"
wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" -s "$DATA/webhook.lua" "http://127.0.0.1:$PORT$HOOK" >/dev/null
wrk -t"$THREADS" -c"$CONNS" -d"$((WARMUP / 3))s" -s "$DATA/noop.lua" "http://127.0.0.1:$PORT/v1/noop" >/dev/null
echo "warmed up ${WARMUP} s; worker caught up $(catch_up) s later"
for r in $(seq 1 "$RUNS"); do
  for what in noop webhook; do
    path=$([ $what = noop ] && echo /v1/noop || echo "$HOOK")
    wrk -t"$THREADS" -c"$CONNS" -d"${DUR}s" --latency -s "$DATA/$what.lua" "http://127.0.0.1:$PORT$path" > "$DATA/$what-$r.txt"
    [ $what = webhook ] && catch_up > "$DATA/catchup-$r.txt"
  done
done
python3 - "$DATA" "$DUR" "$RUNS" <<'PY'
import re, sys
d, dur, runs = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
def ok_rps(name):
    t = open(f"{d}/{name}.txt").read()
    total = int(re.search(r"(\d+) requests in", t).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
    return (total - (int(non2xx.group(1)) if non2xx else 0)) / dur
def p99(name):
    m = re.search(r"99%\s+([\d.]+)(us|ms|s)", open(f"{d}/{name}.txt").read())
    v, u = float(m.group(1)), m.group(2)
    return v / 1000 if u == "us" else v * 1000 if u == "s" else v
rows = []
for r in range(1, runs + 1):
    n, w = ok_rps(f"noop-{r}"), ok_rps(f"webhook-{r}")
    c = float(open(f"{d}/catchup-{r}.txt").read())
    rows.append((n, w, c))
    print(f"run {r}: no-op {n:8.0f} req/s  webhook {w:7.0f} deliveries/s (2xx)  p99 {p99(f'webhook-{r}'):.1f} ms"
          f"  ratio {w / n:.2f}x  worker caught up {c:.1f} s later (processed {w * dur / (dur + c):.0f}/s end to end)")
ws = sorted(r[1] for r in rows)
print(f"webhook deliveries/s: median {ws[len(ws) // 2]:.0f}, min {ws[0]:.0f}, max {ws[-1]:.0f}")
PY

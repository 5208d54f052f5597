#!/usr/bin/env bash
# Recommendations latency at a paced load, run by hand (not by the tests):
#   [RATE=1000] [RUNS=3] [VISITORS=1000] [PRODUCTS=1000] rebound-bench/recommendations-bench.sh [duration-seconds]
# Starts `rebound serve` (embedded runtime, H2 metadata) on a fresh data directory, loads a catalog of
# PRODUCTS products (costs, a tenth out of stock), complements for every tenth product, a 30 % margin
# floor, and VISITORS shoppers (views, carts, and a purchase for every third) plus 2,000 orders of two
# products for the co-purchase counts; then, RUNS times in the same session, paces wrk at RATE
# requests/s (wrk/recommendations.lua) against the baseline — GET …/recommendations/rules: the same
# secret-key check and one indexed read — and GET …/visitors/{v}/recommendations, each after a warm-up.
set -euo pipefail
source "$(dirname "$0")/bench-server.sh"
DUR="${1:-20}"
PORT="${PORT:-$(free_port)}"
RATE="${RATE:-1000}"
RUNS="${RUNS:-3}"
CONNS="${PACED_CONNS:-16}"
export VISITORS="${VISITORS:-1000}" PRODUCTS="${PRODUCTS:-1000}"
require_wrk
start_server rebound-recs "${NO_RATE_LIMITS[@]}"
wait_for_server 240 0.5
curl -sf "$BASE/health" >/dev/null && kill -0 $SERVER 2>/dev/null || { echo "the server did not start:"; tail -20 "$DATA/server.log"; exit 1; }
create_store Recommendations
export BASE_URL="$BASE" STORE_JSON
python3 - <<'PY'
import base64, json, os, random, urllib.request
base, store = os.environ["BASE_URL"], json.loads(os.environ["STORE_JSON"])
api = f"{base}/api/v1/stores/{store['id']}"
sk = {"Authorization": "Bearer " + store["secret_key"], "Content-Type": "application/json"}
wk = {"Authorization": "Basic " + base64.b64encode((store["write_key"] + ":").encode()).decode(),
      "Content-Type": "application/json",
      "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"}
def send(method, url, headers, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers, method=method)
    with urllib.request.urlopen(req) as r:
        return json.load(r) if r.status != 204 else None
n, visitors, rnd = int(os.environ["PRODUCTS"]), int(os.environ["VISITORS"]), random.Random(7)
products = [{"id": f"p{i}", "title": f"Product {i}", "description": "A product", "price": f"{rnd.randint(10, 200)}.00",
             "cost": f"{rnd.randint(2, 60)}.00", "currency": "USD", "link": f"https://shop.example/p{i}",
             "image_link": f"https://shop.example/p{i}.jpg",
             "availability": "out_of_stock" if i % 10 == 9 else "in_stock"} for i in range(n)]
for i in range(0, n, 1000):
    send("POST", f"{api}/products/batch", sk, {"products": products[i:i + 1000]})
for i in range(0, n, 10):
    send("PUT", f"{api}/products/p{i}/complements", sk, {"complements": [f"p{(i + k) % n}" for k in range(1, 6)]})
send("PUT", f"{api}/recommendations/rules", sk, {"in_stock_only": True, "min_margin_percent": 30})
events, eid = [], 0
def ev(name, visitor, ids):
    global eid
    eid += 1
    events.append({"type": "track", "event": name, "messageId": f"e{eid}", "anonymousId": visitor,
                   "properties": {"products": [{"product_id": p, "price": 10} for p in ids], "currency": "USD", "value": 10}})
for v in range(visitors):
    for _ in range(5):
        ev("Product Viewed", f"v-{v}", [f"p{rnd.randrange(n)}"])
    ev("Product Added", f"v-{v}", [f"p{rnd.randrange(n)}"])
    if v % 3 == 0:
        ev("Order Completed", f"v-{v}", [f"p{rnd.randrange(0, n, 10)}"])
for o in range(2000):
    a = rnd.randrange(0, n, 10)
    ev("Order Completed", f"buyer-{o}", [f"p{a}", f"p{(a + rnd.randint(1, 3) * 7) % n}"])
for i in range(0, len(events), 100):
    send("POST", f"{base}/v1/batch", wk, {"batch": events[i:i + 100]})
print(f"loaded {n} products, {visitors} shoppers, {len(events)} events")
PY
export PATH_BASE="/api/v1/stores/$STORE"
LAST="$BASE$PATH_BASE/visitors/v-$((VISITORS - 1))/recommendations"
for _ in $(seq 1 300); do curl -sf -H "Authorization: Bearer $SK" "$LAST" >/dev/null && break; sleep 0.2; done
wait_for_consumers
echo "sample: $(curl -sf -H "Authorization: Bearer $SK" "$BASE$PATH_BASE/visitors/v-0/recommendations" | head -c 400)"
# Each connection waits DELAY_MS after a response: one millisecond less than CONNS / RATE, the
# ~1 ms a response takes, so that the offered load is close to RATE (wrk's delay is whole ms).
export DELAY_MS=$((CONNS * 1000 / RATE - 1))
AUTH="Authorization: Bearer $SK"
paced() { # name [BASELINE]
  wrk -t2 -c"$CONNS" -d"${DUR}s" --latency -H "$AUTH" -s "$ROOT/rebound-bench/wrk/recommendations.lua" \
      "$BASE$PATH_BASE/recommendations/rules" > "$DATA/$1.txt"
  python3 - "$1" "$DATA/$1.txt" <<'PY'
import re, sys
t = open(sys.argv[2]).read()
def ms(label):
    m = re.search(r'^\s+%s\s+([\d.]+)(us|ms|s)\s*$' % label, t, re.M)
    v = float(m.group(1)); return v / 1000 if m.group(2) == 'us' else v * 1000 if m.group(2) == 's' else v
rps = re.search(r'Requests/sec:\s+([\d.]+)', t).group(1)
non2xx = re.search(r'Non-2xx or 3xx responses: (\d+)', t)
print(f"{sys.argv[1]:<16} req/s {float(rps):7.0f}  p50 {ms('50%'):6.2f} ms  p99 {ms('99%'):6.2f} ms  non-2xx {non2xx.group(1) if non2xx else 0}")
PY
}
echo "== warm-up"
BASELINE=1 DUR=15 paced warmup-baseline >/dev/null
DUR=15 paced warmup-recs >/dev/null
for r in $(seq 1 "$RUNS"); do
  echo "== run $r ($RATE req/s paced, ${DUR} s each)"
  BASELINE=1 paced "baseline-$r"
  paced "recommendations-$r"
done

#!/usr/bin/env bash
# Catalog feed benchmark, run by hand (not by the tests):
#   [PRODUCTS=100000] [RUNS=5] [HEAP=192m] [PARALLEL=4] rebound-bench/feed-bench.sh
# Starts `rebound serve` on a fresh data directory (embedded H2) with the JVM heap capped at HEAP,
# loads PRODUCTS products through the batch API (1,000 per request), then measures with curl, after
# two warm-up fetches of each:
#   baseline  reading the same rows alone: every page of GET /api/v1/stores/{store}/products?limit=1000
#             (the same server, the same database reads, rendered as JSON), timed end to end;
#   feeds     google.xml and meta.csv, plain and gzip: time to first byte and to the last byte;
#   memory    PARALLEL concurrent google.xml fetches under the heap cap, the heap in use sampled from
#             /metrics every 0.2 s before and during them, and the server's resident set before and after
#             (PARALLEL buffered copies of the feed would not fit the cap).
# Prints each run and the median, min and max; only 200 answers of the full size count.
set -euo pipefail
source "$(dirname "$0")/bench-server.sh"
PRODUCTS="${PRODUCTS:-100000}"
RUNS="${RUNS:-5}"
HEAP="${HEAP:-512m}"  # the server's own floor is ~300 MB (the user-agent parser's rules load at start)
PARALLEL="${PARALLEL:-8}"
PORT="${PORT:-18081}"
# JDK_JAVA_OPTIONS is exported once the jar is built: the heap cap is the server's alone.
start_server rebound-feed-bench JDK_JAVA_OPTIONS="-Xmx$HEAP"
wait_for_server 400 0.3
curl -sf "$BASE/health" >/dev/null || { echo "the server did not start:"; tail -20 "$DATA/server.log"; exit 1; }
create_store "Feed bench"
echo "loading $PRODUCTS products..."
python3 - "$BASE" "$STORE" "$SK" "$PRODUCTS" <<'PY'
import json, sys, urllib.request
base, store, key, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
for start in range(0, n, 1000):
    products = [{"id": f"sku-{i:07d}", "title": f"Yoga mat {i}, natural rubber, 5 mm",
                 "description": f"A grippy natural-rubber yoga mat, model {i}. Non-slip top layer, 183 x 61 cm.",
                 "link": f"https://shop.example/products/sku-{i:07d}",
                 "image_link": f"https://cdn.shop.example/images/sku-{i:07d}.jpg",
                 "price": f"{20 + i % 80}.90", "currency": "USD", "availability": "in_stock",
                 "brand": "Zen", "product_type": "Yoga > Mats", "gtin": None, "mpn": f"ZM-{i}"}
                for i in range(start, min(n, start + 1000))]
    for p in products:
        del p["gtin"]
    req = urllib.request.Request(f"{base}/api/v1/stores/{store}/products/batch",
                                 data=json.dumps({"products": products}).encode(), method="POST",
                                 headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    urllib.request.urlopen(req).read()
PY
FEEDS=$(curl -sf -H "Authorization: Bearer $SK" "$BASE/api/v1/stores/$STORE/catalog/feeds")
url() { echo "$FEEDS" | python3 -c "import sys,json;print([f['url'] for f in json.load(sys.stdin)['feeds'] if f['platform']=='$1'][0])"; }
GOOGLE=$(url google); META=$(url meta)
PID=$SERVER  # the launcher execs the JVM, so this is the server itself
rss() { [ -n "$PID" ] && awk '/VmRSS|VmHWM/ {printf "%s %d MB  ", $1, $2/1024}' "/proc/$PID/status"; echo; }
echo "server resident set after loading: $(rss)"

fetch() { # url [gzip] -> "ttfb total bytes status"
  if [ "${2:-}" = gzip ]; then
    curl -s -o /dev/null -H 'Accept-Encoding: gzip' -w '%{time_starttransfer} %{time_total} %{size_download} %{http_code}\n' "$1"
  else
    curl -s -o /dev/null -w '%{time_starttransfer} %{time_total} %{size_download} %{http_code}\n' "$1"
  fi
}
read_rows() { # every page of the products API, like the feed reads them; -> "seconds pages"
  python3 - "$BASE" "$STORE" "$SK" <<'PY'
import json, sys, time, urllib.request
base, store, key = sys.argv[1:4]
t0, cursor, pages, rows = time.perf_counter(), None, 0, 0
while True:
    q = f"{base}/api/v1/stores/{store}/products?limit=1000" + (f"&cursor={cursor}" if cursor else "")
    body = json.loads(urllib.request.urlopen(urllib.request.Request(q, headers={"Authorization": f"Bearer {key}"})).read())
    pages, rows = pages + 1, rows + len(body["products"])
    cursor = body["next_cursor"]
    if not cursor:
        break
print(f"{time.perf_counter() - t0:.3f} {rows}")
PY
}
for _ in 1 2; do fetch "$GOOGLE" >/dev/null; fetch "$META" gzip >/dev/null; read_rows >/dev/null; done
echo "warmed up: two fetches of each"

: > "$DATA/results"
for r in $(seq 1 "$RUNS"); do
  echo "baseline $(read_rows)" | tee -a "$DATA/results"
  echo "google.xml $(fetch "$GOOGLE")" | tee -a "$DATA/results"
  echo "google.xml.gz $(fetch "$GOOGLE" gzip)" | tee -a "$DATA/results"
  echo "meta.csv $(fetch "$META")" | tee -a "$DATA/results"
  echo "meta.csv.gz $(fetch "$META" gzip)" | tee -a "$DATA/results"
done
heap() { curl -sf "$BASE/metrics" | awk '/^jvm_memory_used_bytes\{area="heap"/ {s += $NF} END {printf "%d\n", s / 1048576}'; }
sample() { local max=0 h; while [ ! -f "$DATA/stop" ]; do h=$(heap); [ "$h" -gt "$max" ] && max=$h; sleep 0.2; done; echo "$max"; }
sample > "$DATA/heap.idle" & SAMPLER=$!; sleep 5; touch "$DATA/stop"; wait $SAMPLER; rm "$DATA/stop"
echo "== $PARALLEL concurrent google.xml fetches under -Xmx$HEAP"
sample > "$DATA/heap.busy" & SAMPLER=$!
FETCHERS=()
for i in $(seq 1 "$PARALLEL"); do fetch "$GOOGLE" > "$DATA/parallel.$i" & FETCHERS+=($!); done
wait "${FETCHERS[@]}"; touch "$DATA/stop"; wait $SAMPLER
cat "$DATA"/parallel.*
echo "heap in use, highest sample: idle 5 s before $(cat "$DATA/heap.idle") MB; during the $PARALLEL fetches $(cat "$DATA/heap.busy") MB"
echo "server resident set after every fetch: $(rss)"
python3 - "$DATA/results" "$PRODUCTS" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
n = int(sys.argv[2])
def stats(xs):
    return f"median {statistics.median(xs):.3f} s (min {min(xs):.3f}, max {max(xs):.3f})"
base = [float(r[1]) for r in rows if r[0] == "baseline" and int(r[2]) == n]
print(f"\nbaseline (read {n} rows through the products API, 1,000 a page): {stats(base)}")
for name in ["google.xml", "google.xml.gz", "meta.csv", "meta.csv.gz"]:
    ok = [r for r in rows if r[0] == name and r[4] == "200"]
    sizes = {int(r[3]) for r in ok}
    ttfb, total = [float(r[1]) for r in ok], [float(r[2]) for r in ok]
    print(f"{name:14} {len(ok)} runs, {max(sizes) / 1e6:.1f} MB: first byte {stats(ttfb)}; whole feed {stats(total)};"
          f" ratio to baseline {statistics.median(total) / statistics.median(base):.2f}x")
PY

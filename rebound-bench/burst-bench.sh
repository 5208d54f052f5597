#!/usr/bin/env bash
# End to end after a burst, run by hand (not by the tests):
#   [REQUESTS=30000] [WARMUP=20] [SHOPPERS=n [PER_SHOPPER=20]] [TEMPLATES="product_viewers ..."] rebound-bench/burst-bench.sh
# Starts `rebound serve` on a fresh data directory with a store and the five segment templates, warms the
# JIT (single events, then batches, then waits for the consumers), then sends a fixed load: wrk's two
# threads each send REQUESTS batches of 100 events (rebound-bench/wrk/batch.lua) as fast as the collector
# accepts them: by default product views of 50,000 visitors in turn (histories of 100-250 events: the worst
# case for the per-person state); with SHOPPERS=n, arriving shoppers, n at a time per thread, each making
# PER_SHOPPER events (views, some add to cart, some order) and leaving (histories of 20 events). It reports the seconds from the first request until every
# consumer (indexer, audience runtime) has no lag, and the accepted events over those seconds: the
# sustained end-to-end rate. Only 2xx answers count: a run with any other answer fails.
# With BACKFILL=1 it then creates one more segment (viewers of the product in the last 7 days, for which
# every person's state is read) with `rebound segments create`, and reports the seconds until its
# backfill is done.
set -euo pipefail
source "$(dirname "$0")/bench-server.sh"
PORT="${PORT:-$(free_port)}"
REQUESTS="${REQUESTS:-30000}"
WARMUP="${WARMUP:-20}"
require_wrk
start_server rebound-burst "${NO_RATE_LIMITS[@]}" REBOUND_FSYNC="${FSYNC:-false}"
wait_for_server 100 0.3
create_store Bench
add_segment_templates
AUTH="Authorization: Basic $(printf '%s:' "$WK" | base64 -w0)"
wrk -t2 -c64 -d"${WARMUP}s" -H "$AUTH" -s "$ROOT/rebound-bench/wrk/single.lua" "$BASE/v1/track" >/dev/null
wrk -t2 -c64 -d"$(( (WARMUP + 2) / 3 ))s" -H "$AUTH" -s "$ROOT/rebound-bench/wrk/batch.lua" "$BASE/v1/batch" >/dev/null
start=$(date +%s.%N); wait_for_consumers; echo "warmed up ${WARMUP} s; consumers caught up $(seconds_since "$start") s later"
before=$(watch_health end)
start=$(date +%s.%N)
# wrk runs for its whole duration even after its threads stop: it is stopped once the log stops growing.
REQUESTS=$REQUESTS wrk -t2 -c64 -d600s -H "$AUTH" -s "$ROOT/rebound-bench/wrk/batch.lua" "$BASE/v1/batch" > "$DATA/burst.txt" &
WRK=$!
read -r accepted total < <(watch_health burst "$start" "$before")
kill -INT $WRK; wait $WRK || true
grep -q 'Non-2xx\|Socket errors' "$DATA/burst.txt" && { echo "answers other than 2xx or socket errors:"; cat "$DATA/burst.txt"; exit 1; }
events=$((2 * REQUESTS * 100))
echo "accepted $events events in ${accepted} s; every consumer caught up ${total} s after the first request:" \
     "end to end $(python3 -c "print(round($events / $total))") events/s"
if [ "${BACKFILL:-0}" = 1 ]; then
  start=$(date +%s.%N)
  "$ROOT/rebound" segments create --url "$BASE" --store "$STORE" --secret-key "$SK" --template product_viewers \
      --days 7 --product-id yoga-mat --name "backfilled after the burst" --json 2>/dev/null > "$DATA/backfill.json"
  echo "backfill of a new segment over the burst's persons: $(seconds_since "$start") s," \
       "$(json_field size < "$DATA/backfill.json") members"
fi

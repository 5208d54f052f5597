# Sourced by the HTTP benchmark scripts (collector, decision, feed, latency, recommendations, webhook):
# starts `rebound serve` on a fresh data directory, creates a store and waits for the log's consumers.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The server's rate limits, lifted so that the load generator, not the limiter, sets the pace.
NO_RATE_LIMITS=(REBOUND_RATE_LIMIT_PER_SECOND=100000000 REBOUND_RATE_LIMIT_BURST=100000000
                REBOUND_IP_RATE_LIMIT_PER_SECOND=100000000 REBOUND_IP_RATE_LIMIT_BURST=100000000)

require_wrk() { command -v wrk >/dev/null || apt-get install -y -qq wrk; }

free_port() { # a free port: other benchmarks may be running on this machine
  python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}

start_server() { # data-directory-prefix [NAME=VALUE ...]
  # `rebound serve` on PORT with a fresh data directory (DATA, the server's output in DATA/server.log),
  # the admin token "bench" and the settings given, exported after the jar is built; sets SERVER (its
  # process id) and BASE. On exit the server is stopped and DATA removed; if the script failed and
  # SERVER_LOG_ON_FAILURE is set, that many last lines of the server's output are printed first, and
  # with KEEP_SERVER_LOG=file the server's output is copied there.
  DATA="$(mktemp -d "/tmp/$1.XXXXXX")"
  shift
  "$ROOT/rebound" --version >/dev/null  # builds the jar if needed
  export REBOUND_PORT=$PORT REBOUND_HOST=127.0.0.1 REBOUND_DATA_DIR="$DATA" REBOUND_ADMIN_TOKEN=bench "$@"
  "$ROOT/rebound" serve > "$DATA/server.log" 2>&1 &
  SERVER=$!
  trap 'stop_server $?' EXIT
  BASE="http://127.0.0.1:$PORT"
}

stop_server() { # exit-status
  if [ "$1" != 0 ] && [ -n "${SERVER_LOG_ON_FAILURE:-}" ]; then tail -"$SERVER_LOG_ON_FAILURE" "$DATA/server.log"; fi
  kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true
  if [ -n "${KEEP_SERVER_LOG:-}" ]; then cp "$DATA/server.log" "$KEEP_SERVER_LOG"; fi
  rm -rf "$DATA"; exit "$1"
}

wait_for_server() { # tries pause-seconds: polls /health until it answers, at most `tries` times
  for _ in $(seq 1 "$1"); do curl -sf "$BASE/health" >/dev/null && break; sleep "$2"; done
}

json_field() { # name: the field of the JSON object on stdin
  python3 -c 'import sys,json;print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}

create_store() { # name: sets STORE_JSON, STORE, WK (write key) and SK (secret key)
  STORE_JSON=$(curl -sf -X POST -H 'Authorization: Bearer bench' -H 'Content-Type: application/json' \
      -d "{\"name\":\"$1\"}" "$BASE/api/v1/stores")
  STORE=$(echo "$STORE_JSON" | json_field id)
  WK=$(echo "$STORE_JSON" | json_field write_key)
  SK=$(echo "$STORE_JSON" | json_field secret_key)
}

add_segment_templates() { # the five templates (or TEMPLATES), so that the runtime evaluates what a store typically defines
  for t in ${TEMPLATES:-product_viewers cart_abandoners past_purchasers abandoner_reminder abandoner_offer}; do
    curl -sf -X POST -H "Authorization: Bearer $SK" -H 'Content-Type: application/json' \
         -d "{\"template\":\"$t\"}" "$BASE/api/v1/stores/$STORE/segments" >/dev/null
  done
}

watch_health() { # lag | end | caught-up | burst START BEFORE: rebound-bench/health-watch.py on this server
  python3 "$ROOT/rebound-bench/health-watch.py" "$BASE" "$@"
}

wait_for_consumers() { watch_health caught-up; }

seconds_since() { # start (date +%s.%N): the seconds since, to a tenth
  python3 -c "print(f'{$(date +%s.%N) - $1:.1f}')"
}

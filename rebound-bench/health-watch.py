#!/usr/bin/env python3
"""Watches the log and its consumers on a `rebound serve` through GET /health, from one process over one
kept-alive connection. The benchmark scripts call it while they wait on the consumers; it replaces a curl
and a python3 started for every poll, which took 57 % of a core of this 2-core machine, taken from the
server under test, while a benchmark waited (docs/PERFORMANCE.md, "Session 14").

  health-watch.py BASE lag                  the bytes of the log its consumers (indexer, audience runtime) have not read
                                            (for a look by hand)
  health-watch.py BASE end                  the log's end position
  health-watch.py BASE caught-up            waits until the consumers have no lag
  health-watch.py BASE burst START BEFORE   waits until the log has grown past BEFORE (its end before a load that
                                            started at START, epoch seconds), stopped growing, and the consumers
                                            have no lag; prints the seconds from START until the log last grew
                                            and until the consumers caught up
"""
import http.client
import json
import sys
import time
import urllib.parse

POLL_SECONDS = 0.25


class Health:
    def __init__(self, base):
        url = urllib.parse.urlsplit(base)
        self.host, self.port = url.hostname, url.port or 80
        self.conn = None

    def read(self):
        """(log end, lag in bytes) now."""
        for attempt in (1, 2):  # a kept-alive connection the server closed is opened again once
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
                self.conn.request("GET", "/health")
                response = self.conn.getresponse()
                body = response.read()
                if response.status != 200:
                    raise SystemExit(f"GET /health answered {response.status}: {body[:200]!r}")
                h = json.loads(body)
                return h["log_end"], h["indexer_lag_bytes"] + h["audience_lag_bytes"]
            except (http.client.HTTPException, ConnectionError):
                self.conn = None
                if attempt == 2:
                    raise


def caught_up(health):
    while health.read()[1] != 0:
        time.sleep(0.2)


def burst(health, start, before):
    previous, loaded = -1, None
    while True:
        time.sleep(POLL_SECONDS)
        end, lag = health.read()
        now = time.time()
        if end == previous and lag == 0 and end != before:
            # caught up by the poll before at the latest (as the shell loop this replaces counted it)
            print(f"{loaded - start:.1f} {now - start - POLL_SECONDS:.1f}")
            return
        if end != previous:
            loaded = now
        previous = end


def main(argv):
    if len(argv) < 3:
        raise SystemExit(__doc__)
    health, command = Health(argv[1]), argv[2]
    if command == "lag":
        print(health.read()[1])
    elif command == "end":
        print(health.read()[0])
    elif command == "caught-up":
        caught_up(health)
    elif command == "burst" and len(argv) == 5:
        burst(health, float(argv[3]), int(argv[4]))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)

package io.rebound.destinations.delivery;

import io.rebound.destinations.Outcome;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A worker's run of retries the platform asked for: each is counted in the worker's stats with its reason,
 * and waits longer by the backoff; a batch the platform takes ends the run.
 */
final class Retries {
    private final Backoff backoff;
    private final WorkerStats stats;
    private int failures;

    Retries(Backoff backoff, WorkerStats stats) {
        this.backoff = Objects.requireNonNull(backoff, "backoff");
        this.stats = stats;
    }

    /** One more retry in a row, at {@code now}: how long to wait before the next attempt. */
    Duration next(Outcome.Retry retry, Instant now) {
        failures++;
        stats.retries.incrementAndGet();
        stats.error(retry.reason(), now);
        return backoff.delay(failures, retry.after());
    }

    /** The platform took the work: the next retry is the first of a new run. */
    void reset() {
        failures = 0;
    }
}

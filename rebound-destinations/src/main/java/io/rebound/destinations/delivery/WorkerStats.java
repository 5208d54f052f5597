package io.rebound.destinations.delivery;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The counters every {@link Worker} keeps for the status page (retries, dead letters, the last success
 * and error, the send rate); each worker's own {@code Stats} adds what it counts. Safe to read from any thread.
 */
public abstract class WorkerStats {
    final AtomicLong deadLettered = new AtomicLong();
    final AtomicLong retries = new AtomicLong();
    volatile Instant lastSuccess;
    volatile String lastError;
    volatile Instant lastErrorAt;
    final SendRate rate = new SendRate();

    WorkerStats() {
    }

    void error(String message, Instant at) {
        lastError = message;
        lastErrorAt = at;
    }

    /** What the platform took, per minute (dry-run: recorded): events forwarded, or list members added and removed. */
    public SendRate sendRate() {
        return rate;
    }

    /** When {@link #lastError()} happened, or null. */
    public Instant lastErrorAt() {
        return lastErrorAt;
    }

    public long deadLettered() {
        return deadLettered.get();
    }

    public long retries() {
        return retries.get();
    }

    public Instant lastSuccess() {
        return lastSuccess;
    }

    public String lastError() {
        return lastError;
    }
}

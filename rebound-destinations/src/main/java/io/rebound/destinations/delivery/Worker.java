package io.rebound.destinations.delivery;

import java.time.Duration;

/**
 * What the {@link DeliveryEngine} runs on a thread of its own: one destination's customer-list sync
 * ({@link SyncWorker}) or its server-event forwarding ({@link ForwardWorker}). A worker keeps its
 * cursor in durable storage and nothing in memory, so it can be stopped at any point.
 */
public interface Worker {

    /** The destination the worker serves; {@link DeliveryEngine#stop} stops every worker of it. */
    String destinationId();

    /** What the worker does, for its thread's name ({@code sync}, {@code events}). */
    String kind();

    /**
     * Works until caught up, or until the platform asks to wait. An exception (the store or the source
     * failing) propagates with nothing committed for the batch at hand.
     */
    Pass syncOnce();

    /**
     * How long the engine waits after a pass that found nothing to do: {@code pollInterval} unless the worker
     * waits for news itself within {@link #syncOnce()} (then zero).
     */
    default Duration idleDelay(Duration pollInterval) {
        return pollInterval;
    }

    /**
     * What one round did.
     *
     * @param batches    batches committed
     * @param retryAfter how long to wait before the next round because the platform asked to retry; null when caught up
     */
    record Pass(int batches, Duration retryAfter) {
        public boolean caughtUp() {
            return retryAfter == null;
        }
    }
}

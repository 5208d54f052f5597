package io.rebound.destinations.delivery;

import io.rebound.core.activation.ServerEvent;

import java.util.List;

/**
 * A store's accepted events in the order they were accepted, as server events for the platforms'
 * conversions APIs, read from a durable log after a cursor: what {@link ForwardWorker} follows. The
 * cursor is the source's own opaque text (a byte offset of the embedded event log; an offset per
 * partition in cluster mode). The source keeps only what may be forwarded (the event types platforms
 * take, consent allowing advertising); what it passes over still moves the cursor.
 */
public interface EventSource {

    /**
     * The store's forwardable events after {@code cursor}, at most about {@code limit} records read.
     *
     * @return the events and the cursor after the last record read; {@link Batch#moved()} false when
     * nothing new was accepted
     */
    Batch read(String storeId, String cursor, int limit);

    /** Where a destination of {@code storeId} connected now starts: the current end, so history is not sent. */
    String end(String storeId);

    /**
     * Whether {@link #awaitNews} can wait for the next accepted event; a source that cannot is polled at
     * the engine's interval.
     */
    default boolean canAwait() {
        return false;
    }

    /**
     * Waits until something may have been accepted after {@code cursor}, at most {@code timeoutMillis}, so
     * that a caught-up forwarder wakes at the next accepted event instead of polling.
     *
     * @return whether something came (false at the timeout, or at once when the source {@link #canAwait cannot wait})
     * @throws InterruptedException when the worker is stopped meanwhile
     */
    default boolean awaitNews(String storeId, String cursor, long timeoutMillis) throws InterruptedException {
        return false;
    }

    /**
     * Events read and the cursor to commit once they are done.
     *
     * @param events the events, in log order
     * @param next   the cursor after the last record read
     * @param moved  whether any record was read (the cursor moved)
     */
    record Batch(List<ServerEvent> events, String next, boolean moved) {
        public Batch {
            events = List.copyOf(events);
            java.util.Objects.requireNonNull(next, "next");
        }
    }
}

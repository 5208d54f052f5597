package io.rebound.destinations.delivery;

import io.rebound.core.activation.ServerEvent;

import java.util.List;

/**
 * A store's accepted events in the order they were accepted, as server events for the platforms'
 * conversions APIs, read from a durable log by position: what {@link ForwardWorker} follows. The
 * source keeps only what may be forwarded (the event types platforms take, consent allowing
 * advertising); what it passes over still moves the position.
 */
public interface EventSource {

    /**
     * The store's forwardable events after {@code position}, at most {@code limit}.
     *
     * @return the events and the position after the last record read (equal to {@code position} when
     * nothing new was accepted)
     */
    Batch read(String storeId, long position, int limit);

    /** Where a destination connected now starts: the current end, so history is not sent. */
    long end();

    /**
     * Events read and the position to commit once they are done.
     *
     * @param events the events, in log order
     * @param next   the position after the last record read
     */
    record Batch(List<ServerEvent> events, long next) {
        public Batch {
            events = List.copyOf(events);
        }
    }
}

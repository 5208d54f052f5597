package io.rebound.destinations.delivery;

import java.util.List;
import java.util.OptionalLong;

/** Where a destination's event-forwarding cursor and dead letters are kept, durably. */
public interface ForwardStore {

    /** The committed position of the destination's forwarding; empty before the first commit. */
    OptionalLong eventCursor(String destinationId);

    /**
     * Moves the destination's forwarding cursor to {@code position} and records {@code deadLetters},
     * atomically; a cursor never moves back.
     */
    void commitEvents(String storeId, String destinationId, long position, List<DeadLetter> deadLetters);
}

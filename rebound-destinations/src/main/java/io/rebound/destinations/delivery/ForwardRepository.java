package io.rebound.destinations.delivery;

import java.util.List;
import java.util.Optional;

/** Where a destination's event-forwarding cursor and dead letters are kept, durably. */
public interface ForwardRepository {

    /** The committed cursor of the destination's forwarding ({@link EventSource}'s text); empty before the first commit. */
    Optional<String> eventCursor(String destinationId);

    /** Moves the destination's forwarding cursor to {@code cursor} and records {@code deadLetters}, atomically. */
    void commitEvents(String storeId, String destinationId, String cursor, List<DeadLetter> deadLetters);
}

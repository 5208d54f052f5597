package io.rebound.destinations.delivery;

import java.util.List;

/**
 * Where pairings, their cursors and dead letters are kept: durable, beside nothing else of the
 * worker's, so that a restarted worker resumes exactly after the last committed batch.
 */
public interface DeliveryStore {

    /** The pairings a destination serves, with their committed cursors. */
    List<Pairing> pairings(String destinationId);

    /**
     * Moves a pairing's cursor to {@code cursor} and records {@code deadLetters}, atomically: either
     * both are kept or neither (a crash before the commit resends the batch, which is harmless).
     */
    void commit(Pairing pairing, long cursor, List<DeadLetter> deadLetters);
}

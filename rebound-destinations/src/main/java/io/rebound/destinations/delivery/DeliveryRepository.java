package io.rebound.destinations.delivery;

import io.rebound.core.activation.Contact;

import java.util.Collection;
import java.util.Map;
import java.util.Set;

import java.util.List;

/**
 * Where pairings, their cursors and dead letters are kept: durable, beside nothing else of the
 * worker's, so that a restarted worker resumes exactly after the last committed batch.
 */
public interface DeliveryRepository {

    /** The pairings a destination serves, with their committed cursors. */
    List<Pairing> pairings(String destinationId);

    /**
     * The identifiers last uploaded for these persons on this pairing: what a removal must send, since
     * by the time a person leaves their ids may be gone (erased, or merged into another person).
     */
    Map<String, Contact> uploaded(Pairing pairing, Collection<String> personIds);

    /**
     * Moves a pairing's cursor to {@code cursor}, records {@code deadLetters}, remembers the contacts
     * of {@code added} and forgets those of {@code removed}, atomically: either all are kept or none (a
     * crash before the commit resends the batch, which is harmless).
     */
    void commit(Pairing pairing, long cursor, List<DeadLetter> deadLetters, Map<String, Contact> added,
                Set<String> removed);
}

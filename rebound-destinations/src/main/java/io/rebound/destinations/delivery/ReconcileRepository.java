package io.rebound.destinations.delivery;

import io.rebound.core.activation.Contact;

import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * What a {@link Reconciler} keeps durably beside the pairings: when each pairing was last reconciled,
 * and what Rebound has uploaded to its list (the same record {@link DeliveryRepository#commit} keeps).
 */
public interface ReconcileRepository {

    /**
     * When the pairing was last reconciled, or when it was paired if it never was: the next
     * reconciliation is due one interval later (a restart does not reconcile again at once).
     */
    Instant reconciledSince(Pairing pairing);

    /** Up to {@code limit} persons uploaded to the pairing's list after {@code afterPerson} (null: from the first), in person-id order, with what was uploaded. */
    Map<String, Contact> uploadedAfter(Pairing pairing, String afterPerson, int limit);

    /**
     * Records a reconciliation, remembers the contacts of {@code uploaded} and forgets {@code forgotten},
     * atomically.
     */
    void reconciled(Pairing pairing, Reconciliation reconciliation, Map<String, Contact> uploaded, Set<String> forgotten);
}

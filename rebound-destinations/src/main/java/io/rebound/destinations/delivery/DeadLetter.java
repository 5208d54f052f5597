package io.rebound.destinations.delivery;

import io.rebound.core.Require;

import java.time.Instant;
import java.util.List;

/**
 * Members a platform would not take: a request it gave up on (permanent error) with everyone that
 * request and the rest of the batch carried, or the rows it refused in a partial answer.
 *
 * @param storeId       the store
 * @param destinationId the destination
 * @param segmentId     the segment
 * @param operation     {@code add} or {@code remove} (list sync), {@code event} (forwarding)
 * @param kind          {@link #GAVE_UP} or {@link #REFUSED}
 * @param code          the platform's error code (empty when it gave none)
 * @param message       the platform's message
 * @param personIds     the persons affected
 * @param fromSequence  first change-log sequence of the batch
 * @param toSequence    last change-log sequence of the batch (the cursor moved past it)
 * @param at            when it was recorded
 */
public record DeadLetter(String storeId, String destinationId, String segmentId, String operation, String kind,
                         String code, String message, List<String> personIds, long fromSequence, long toSequence,
                         Instant at) {

    public static final String GAVE_UP = "gave_up";
    public static final String REFUSED = "refused";

    public DeadLetter {
        Require.nonNull("storeId", storeId, "destinationId", destinationId, "segmentId", segmentId,
                "operation", operation, "kind", kind, "at", at);
        code = code == null ? "" : code;
        message = message == null ? "" : message;
        personIds = List.copyOf(personIds);
    }
}

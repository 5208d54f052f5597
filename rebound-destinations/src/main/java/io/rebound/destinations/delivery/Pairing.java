package io.rebound.destinations.delivery;

import io.rebound.destinations.AudienceRef;

import java.util.Objects;

/**
 * A segment synced to a platform audience through one destination, with the change-log sequence up to
 * which the platform has taken (or definitively refused) every change.
 *
 * @param storeId       the store
 * @param destinationId the destination (a connected platform account)
 * @param segmentId     the segment
 * @param audience      the platform audience additions and removals go to
 * @param cursor        the last change-log sequence done; 0 before the first
 */
public record Pairing(String storeId, String destinationId, String segmentId, AudienceRef audience, long cursor) {
    public Pairing {
        Objects.requireNonNull(storeId, "storeId");
        Objects.requireNonNull(destinationId, "destinationId");
        Objects.requireNonNull(segmentId, "segmentId");
        Objects.requireNonNull(audience, "audience");
    }

    public Pairing withCursor(long next) {
        return new Pairing(storeId, destinationId, segmentId, audience, next);
    }
}

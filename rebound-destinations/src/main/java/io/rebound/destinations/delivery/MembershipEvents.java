package io.rebound.destinations.delivery;

import io.rebound.core.activation.ServerEvent;

import java.time.Instant;

/**
 * The server event that tells a platform a person joined a segment (a custom event named after the
 * segment, carrying the person's browser ids), so that the platform's website audiences follow the
 * segment for visitors who never gave an email.
 */
@FunctionalInterface
public interface MembershipEvents {

    /**
     * The event for a join, or null when none can be built (the person is gone, or nothing is known of
     * their browser or identity).
     *
     * @param sequence the join's change-log sequence (part of a unique, stable event id)
     */
    ServerEvent joined(String storeId, String segmentId, String personId, Instant at, long sequence);
}

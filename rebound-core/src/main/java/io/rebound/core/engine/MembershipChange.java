package io.rebound.core.engine;

import io.rebound.core.Require;

import java.time.Instant;

/**
 * One entry of the membership change log that platform sync, email flows and reports consume.
 *
 * @param storeId   store
 * @param segmentId segment
 * @param personId  person
 * @param kind      joined or left
 * @param at        the exact instant membership changed (event time, window end), not processing time
 * @param reason    why, for the dashboard
 */
public record MembershipChange(String storeId, String segmentId, String personId, Kind kind, Instant at,
                               String reason) {

    /** Direction of a change. */
    public enum Kind { JOINED, LEFT }

    public MembershipChange {
        Require.nonNull("storeId", storeId, "segmentId", segmentId, "personId", personId, "kind", kind, "at", at);
        reason = reason == null ? "" : reason;
    }
}

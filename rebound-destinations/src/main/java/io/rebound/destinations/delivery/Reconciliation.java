package io.rebound.destinations.delivery;

import java.time.Instant;
import java.util.Objects;

/**
 * What one full reconciliation of a pairing did, for the status page.
 *
 * @param at      when it ran
 * @param method  {@link #REPLACE} (the platform's replace endpoint) or {@link #DIFF} (additions and removals)
 * @param members the segment's uploadable members it reconciled against
 * @param added   members the list lacked by Rebound's record and now holds
 * @param removed members the list held by Rebound's record and no longer does
 * @param error   the platform's message when it gave up, else null
 */
public record Reconciliation(Instant at, String method, long members, long added, long removed, String error) {
    public static final String REPLACE = "replace";
    public static final String DIFF = "diff";

    public Reconciliation {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(method, "method");
    }
}

package io.rebound.core.engine;

import java.time.Instant;
import java.util.Objects;

/**
 * A person's standing in one segment as last recorded: member or not, since when. Non-member
 * statuses are kept (for a while) because the last leave bounds when a rejoin can be dated.
 *
 * @param member whether the person is a member
 * @param since  the instant of the last recorded join (member) or leave (non-member)
 */
public record SegmentStatus(boolean member, Instant since) {
    public SegmentStatus {
        Objects.requireNonNull(since, "since");
    }
}

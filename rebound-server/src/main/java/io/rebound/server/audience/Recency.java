package io.rebound.server.audience;

import java.util.List;
import java.util.Objects;

/**
 * Members of a segment by whole days since their qualifying action
 * ({@link io.rebound.core.segment.QualifyingAction}): the curve from which a store owner picks a
 * window. Counted over the whole segment or, for a large one, over an even sample of it.
 *
 * @param action  the action in the store owner's words, e.g. "add to cart"
 * @param counts  {@code counts.get(d)}: members whose action was {@code d} whole days ago, for
 *                {@code d < days()}; the last entry counts {@code days()} days ago or more
 * @param sampled members looked at (all of them unless {@link #isSample()})
 * @param members the segment's size when they were picked
 */
public record Recency(String action, List<Long> counts, int sampled, long members) {

    public Recency {
        Objects.requireNonNull(action, "action");
        counts = List.copyOf(counts);
        if (counts.size() < 2) {
            throw new IllegalArgumentException("counts needs at least one day and the last bucket");
        }
    }

    /** Days with a bucket of their own; the last bucket holds this many days or more. */
    public int days() {
        return counts.size() - 1;
    }

    /** Members counted: those looked at, less any who had no qualifying action in the window any more (leaving now). */
    public long counted() {
        return counts.stream().mapToLong(Long::longValue).sum();
    }

    /** Whether the counts are over a sample, not every member. */
    public boolean isSample() {
        return sampled < members;
    }
}

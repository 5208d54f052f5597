package io.rebound.core.engine;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Port: the membership change log and the current-members index derived from it, per segment.
 * The per-person truth is in {@link PersonState#segments()}; this store answers
 * "who is in segment X" and "what changed after cursor C" without scanning persons.
 */
public interface MembershipTable {

    /** A change with its position in the log; positions grow per store. */
    record LoggedChange(long sequence, MembershipChange change) {
    }

    /** Appends changes in order and applies them to the members index. */
    void record(List<MembershipChange> changes);

    /** Current members of a segment: person id → joined-at. */
    Map<String, Instant> members(String storeId, String segmentId);

    /** Changes of a segment with sequence greater than {@code after}, oldest first, at most {@code limit}. */
    List<LoggedChange> changes(String storeId, String segmentId, long after, int limit);

    /** Forgets a deleted segment's members index (its log entries stay readable). */
    void dropSegment(String storeId, String segmentId);
}

package io.rebound.server.audience;

import io.rebound.core.segment.SegmentDefinition;

import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * What the segment API needs from an audience runtime: segment definitions (create, edit, delete,
 * list with backfill progress) and the {@link AudienceView} of memberships. Implemented by the
 * embedded runtime and by cluster mode ({@code io.rebound.server.cluster.ClusterAudiences}).
 */
public interface AudienceService {

    /** Creates or replaces a segment effective now; it is {@code building} until its backfill finished. */
    SegmentRecord putSegment(String storeId, String segmentId, SegmentDefinition definition, String template);

    /** A new segment with a fresh id. */
    SegmentRecord createSegment(String storeId, SegmentDefinition definition, String template);

    /** Deletes a segment; false when it did not exist. */
    boolean deleteSegment(String storeId, String segmentId);

    /** A store's segments, oldest first. */
    List<SegmentRecord> segments(String storeId);

    Optional<SegmentRecord> segment(String storeId, String segmentId);

    /** Progress of the segment's backfill ({@code percent} 100 when none runs). */
    BackfillJob.Progress progress(String storeId, String segmentId);

    /** Reads over committed state. */
    AudienceView reader();

    /**
     * Waits (up to {@code timeoutMillis}) until events acknowledged before the call are reflected in
     * {@link #reader()}; false on timeout or where the runtime cannot tell (cluster mode).
     */
    boolean awaitCaughtUp(long timeoutMillis) throws InterruptedException;

    Clock clock();
}

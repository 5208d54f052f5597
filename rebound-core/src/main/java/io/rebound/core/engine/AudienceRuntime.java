package io.rebound.core.engine;

import io.rebound.core.event.Event;
import io.rebound.core.segment.SegmentDefinition;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a runtime (in-memory, embedded RocksDB, Kafka Streams) offers, in the shape the behavioural
 * contract ({@code io.rebound.testkit.RuntimeScenarios}, module rebound-testkit) drives it. A runtime has a clock
 * that only moves forward through {@link #advanceTo}; everything else happens at that clock. After a
 * method returns, queries reflect it (an asynchronous runtime waits until processed).
 */
public interface AudienceRuntime extends AutoCloseable {

    /** Creates or replaces a segment, effective now, and backfills it from every person's retained history. */
    void putSegment(String storeId, String segmentId, SegmentDefinition definition);

    /** Deletes a segment; its members leave now. */
    void deleteSegment(String storeId, String segmentId);

    /** Processes one accepted event at the current clock. */
    void accept(Event event);

    /** Moves the clock forward to {@code now} and fires every timer due by then. */
    void advanceTo(Instant now);

    /** The runtime's clock. */
    Instant now();

    /** Person ids currently in a segment. */
    Set<String> members(String storeId, String segmentId);

    /** The segment's membership change log, oldest first. */
    List<MembershipChange> changes(String storeId, String segmentId);

    /** The person an anonymous id or user id currently belongs to. */
    Optional<String> personOf(String storeId, String visitorId);

    /** A person's current memberships: segment id → joined-at. */
    Map<String, Instant> memberships(String storeId, String personId);

    /** Privacy erasure: removes the person's state, ids and memberships (they leave now). */
    void erasePerson(String storeId, String personId);

    @Override
    default void close() {
    }
}

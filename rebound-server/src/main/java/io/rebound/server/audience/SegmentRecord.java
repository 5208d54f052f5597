package io.rebound.server.audience;

import io.rebound.core.JsonName;
import io.rebound.core.segment.Segment;
import io.rebound.core.segment.SegmentDefinition;

import java.time.Instant;
import java.util.Objects;

/**
 * A segment as the metadata database keeps it.
 *
 * @param storeId       owning store
 * @param id            segment id (unique within the store)
 * @param definition    the rules
 * @param template      the template it was instantiated from, or null
 * @param status        building until its backfill has finished, then ready
 * @param createdAt     creation instant
 * @param updatedAt     last edit
 * @param effectiveFrom when this version took effect in the engine
 */
public record SegmentRecord(String storeId, String id, SegmentDefinition definition, String template, Status status,
                            Instant createdAt, Instant updatedAt, Instant effectiveFrom) {

    /** Lifecycle of a segment version. */
    public enum Status implements JsonName {
        BUILDING, READY
    }

    public SegmentRecord {
        Objects.requireNonNull(storeId, "storeId");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(definition, "definition");
        Objects.requireNonNull(status, "status");
    }

    public Segment segment() {
        return new Segment(storeId, id, definition, effectiveFrom);
    }

    public SegmentRecord withStatus(Status s, Instant at) {
        return new SegmentRecord(storeId, id, definition, template, s, createdAt, at, effectiveFrom);
    }
}

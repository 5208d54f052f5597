package io.rebound.core.segment;

import java.time.Instant;
import java.util.Objects;

/**
 * A store's segment as the engine runs it: its id, its definition and the instant this version of
 * the definition took effect. Memberships under a definition never begin before it took effect.
 *
 * @param storeId       owning store
 * @param id            segment id, unique within the store
 * @param definition    the rules
 * @param effectiveFrom when this version was created or last edited
 */
public record Segment(String storeId, String id, SegmentDefinition definition, Instant effectiveFrom) {
    public Segment {
        Objects.requireNonNull(storeId, "storeId");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(definition, "definition");
        Objects.requireNonNull(effectiveFrom, "effectiveFrom");
    }
}

package io.rebound.kafka;

import io.rebound.core.binary.BinaryReader;
import io.rebound.core.binary.BinaryWriter;
import io.rebound.core.binary.Hash64;
import io.rebound.core.segment.Segment;
import io.rebound.core.segment.SegmentDefinition;
import io.rebound.core.segment.SegmentDefinitions;
import io.rebound.kafka.internals.TopicFields;

import java.time.Instant;
import java.util.Map;
import java.util.SortedMap;

/**
 * A record of the compacted segments topic, key {@code store \0 segment}: the segment as created or
 * edited at {@code effectiveFrom}, or its deletion at that instant. A deletion is a record, not a
 * tombstone, so that every instance learns the instant the members leave; compaction keeps the
 * latest record per segment.
 *
 * @param storeId       store
 * @param segmentId     segment
 * @param definition    the definition (null when deleted)
 * @param effectiveFrom when the definition (or the deletion) took effect
 */
public record SegmentRecord(String storeId, String segmentId, SegmentDefinition definition, Instant effectiveFrom) {

    /** Whether this record deletes the segment. */
    public boolean deleted() {
        return definition == null;
    }

    /** The core's segment (only when not deleted). */
    public Segment segment() {
        return new Segment(storeId, segmentId, definition, effectiveFrom);
    }

    public String key() {
        return Keys.of(storeId, segmentId);
    }

    public byte[] encode() {
        BinaryWriter o = new BinaryWriter().u8(1).int32StringOrNull(storeId).int32StringOrNull(segmentId);
        TopicFields.instant(o, effectiveFrom).bool(definition != null);
        if (definition != null) {
            TopicFields.value(o, SegmentDefinitions.toJson(definition));
        }
        return o.toByteArray();
    }

    @SuppressWarnings("unchecked")
    public static SegmentRecord decode(byte[] bytes) {
        BinaryReader in = new BinaryReader(bytes);
        in.u8();
        String store = in.int32StringOrNull();
        String segment = in.int32StringOrNull();
        Instant from = TopicFields.instant(in);
        SegmentDefinition d = in.bool() ? SegmentDefinitions.parse((Map<String, Object>) TopicFields.value(in)) : null;
        return new SegmentRecord(store, segment, d, from);
    }

    /**
     * The fingerprint of one store's segment set: its records of the segments topic, in key order
     * (store settings skipped). The topology's catalog and the nodes that report backfill progress
     * compute it alike.
     */
    public static long fingerprint(SortedMap<String, byte[]> recordsByKey) {
        long fp = 0;
        for (Map.Entry<String, byte[]> e : recordsByKey.entrySet()) {
            if (!StoreSettings.isKey(e.getKey())) {
                fp = fingerprint(fp, e.getValue());
            }
        }
        return fp;
    }

    /**
     * A stable 64-bit fingerprint of encoded records (FNV-1a, continued from {@code seed}; 0 starts
     * afresh), to detect that a store's segments changed.
     */
    static long fingerprint(long seed, byte[] encoded) {
        return Hash64.fnv1a(seed == 0 ? Hash64.FNV_OFFSET_BASIS : seed, encoded);
    }

    @Override
    public String toString() {
        return "SegmentRecord[" + key() + (deleted() ? " deleted" : "") + " @" + effectiveFrom + "]";
    }
}

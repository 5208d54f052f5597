package io.rebound.kafka;

import io.rebound.core.segment.Segment;
import io.rebound.core.segment.SegmentDefinition;
import io.rebound.core.segment.SegmentDefinitions;
import io.rebound.kafka.internals.Bin;

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
        Bin.Out o = new Bin.Out().i8(1).str(storeId).str(segmentId).instant(effectiveFrom).bool(definition != null);
        if (definition != null) {
            o.value(SegmentDefinitions.toJson(definition));
        }
        return o.toBytes();
    }

    @SuppressWarnings("unchecked")
    public static SegmentRecord decode(byte[] bytes) {
        Bin.In in = new Bin.In(bytes);
        in.i8();
        String store = in.str();
        String segment = in.str();
        Instant from = in.instant();
        SegmentDefinition d = in.bool() ? SegmentDefinitions.parse((Map<String, Object>) in.value()) : null;
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

    /** A stable 64-bit fingerprint of encoded records (FNV-1a), to detect that a store's segments changed. */
    static long fingerprint(long seed, byte[] encoded) {
        long h = seed == 0 ? 0xcbf29ce484222325L : seed;
        for (byte b : encoded) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }

    @Override
    public String toString() {
        return "SegmentRecord[" + key() + (deleted() ? " deleted" : "") + " @" + effectiveFrom + "]";
    }
}

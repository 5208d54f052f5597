package io.rebound.kafka;

import io.rebound.core.store.Store;
import io.rebound.kafka.internals.Bin;

import java.time.Duration;

/**
 * What the engine needs to know of a store beyond its segments, as a record of the compacted
 * segments topic under the key {@code store \0} (the segment part empty: no segment id is). Every
 * Streams instance reads it through its global store; it takes no part in the segment-set
 * fingerprint, since no membership depends on it (retention is never shorter than the longest
 * window). A store without one has the default retention.
 *
 * @param storeId       store
 * @param retentionDays the store's {@code retention_days}: how long its visitors' events and ids are kept
 */
public record StoreSettings(String storeId, int retentionDays) {

    public StoreSettings {
        if (retentionDays < 1 || retentionDays > Store.MAX_RETENTION_DAYS) {
            throw new IllegalArgumentException("retentionDays must be within 1.." + Store.MAX_RETENTION_DAYS);
        }
    }

    public static StoreSettings defaults(String storeId) {
        return new StoreSettings(storeId, Store.DEFAULT_RETENTION_DAYS);
    }

    public Duration retention() {
        return Duration.ofDays(retentionDays);
    }

    public String key() {
        return Keys.of(storeId, "");
    }

    /** Whether a key of the segments topic is a store's settings rather than a segment. */
    public static boolean isKey(String key) {
        return Keys.rest(key).isEmpty();
    }

    public byte[] encode() {
        return new Bin.Out().i8(1).str(storeId).i32(retentionDays).toBytes();
    }

    public static StoreSettings decode(byte[] bytes) {
        Bin.In in = new Bin.In(bytes);
        in.i8();
        return new StoreSettings(in.str(), in.i32());
    }
}

package io.rebound.kafka;

import io.rebound.core.binary.BinaryReader;
import io.rebound.core.binary.BinaryWriter;
import io.rebound.core.store.Store;

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
        return new BinaryWriter().u8(1).int32StringOrNull(storeId).int32BE(retentionDays).toByteArray();
    }

    public static StoreSettings decode(byte[] bytes) {
        BinaryReader in = new BinaryReader(bytes);
        in.u8();
        return new StoreSettings(in.int32StringOrNull(), in.int32BE());
    }
}

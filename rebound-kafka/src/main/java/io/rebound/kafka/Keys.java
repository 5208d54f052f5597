package io.rebound.kafka;

import io.rebound.core.engine.PersonIds;
import io.rebound.core.event.Event;

/**
 * Record keys. Every key starts with the store id and a NUL, so a store's records never share a key
 * with another store's and a store's persons are one contiguous range of a RocksDB table.
 */
public final class Keys {

    public static final char SEP = '\0';

    private Keys() {
    }

    /** {@code store \0 part}. */
    public static String of(String storeId, String part) {
        return storeId + SEP + part;
    }

    /** {@code store \0 a \0 b}. */
    public static String of(String storeId, String a, String b) {
        return storeId + SEP + a + SEP + b;
    }

    /** The key an event is produced with: store + its strongest identity key (user id, email hash, cookie). */
    public static String ofEvent(Event event) {
        return of(event.storeId(), PersonIds.keysOf(event).getFirst());
    }

    /** The store part of a key. */
    public static String store(String key) {
        return key.substring(0, key.indexOf(SEP));
    }

    /** What follows the store part. */
    public static String rest(String key) {
        return key.substring(key.indexOf(SEP) + 1);
    }

    /** The first key after every key of the store, for range scans. */
    public static String storeEnd(String storeId) {
        return storeId + (char) (SEP + 1);
    }
}

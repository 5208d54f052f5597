package io.rebound.core.binary;

import java.nio.charset.StandardCharsets;

/**
 * The 64-bit hashes whose values are stored, in one place. Each is named after exactly what it
 * computes, because stored data depends on each one as it is: a hash here never changes, and a new
 * need gets a new method rather than a different input to an old one.
 *
 * <ul>
 *   <li>{@link #eventId}: FNV-1a over the UTF-8 bytes, then murmur3's finaliser. The id hash of a
 *       retained event in every person state ({@code RetainedEvent.hashId}), and the fingerprint of
 *       the segment versions a state was evaluated with.</li>
 *   <li>{@link #fnv1aUtf16}: FNV-1a over the UTF-16 code units, no finaliser. The event-id part of the
 *       embedded visitor event table's keys. For an ASCII id it is {@code eventId} without the
 *       finaliser; for others the input differs too. Keys already in RocksDB were made with it, so it
 *       stays (its only job there is to keep keys of one millisecond apart).</li>
 *   <li>{@link #fnv1a(long, byte[])}: FNV-1a over bytes, continuing from a previous value. The
 *       cluster's fingerprint of a store's segment set, compared across instances.</li>
 * </ul>
 */
public final class Hash64 {
    /** FNV-1a's 64-bit offset basis: the value of the empty input. */
    public static final long FNV_OFFSET_BASIS = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private Hash64() {
    }

    /** FNV-1a of the UTF-8 of {@code id}, then murmur3's 64-bit finaliser: well spread, collisions negligible. */
    public static long eventId(String id) {
        return fmix64(fnv1a(FNV_OFFSET_BASIS, id.getBytes(StandardCharsets.UTF_8)));
    }

    /** FNV-1a over the UTF-16 code units of {@code s} (each char taken whole, not its bytes). */
    public static long fnv1aUtf16(String s) {
        long h = FNV_OFFSET_BASIS;
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= FNV_PRIME;
        }
        return h;
    }

    /** FNV-1a over {@code bytes}, starting from {@code h} ({@link #FNV_OFFSET_BASIS} for a fresh hash). */
    public static long fnv1a(long h, byte[] bytes) {
        for (byte b : bytes) {
            h ^= b & 0xff;
            h *= FNV_PRIME;
        }
        return h;
    }

    /** murmur3's 64-bit finaliser: every input bit affects every output bit. */
    public static long fmix64(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}

package io.rebound.server.audience;

import io.rebound.server.runtime.RocksDatabase;
import org.rocksdb.RocksIterator;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The members index ({@link AudienceColumns#MEMBERS}) held in memory too, so that "is person P a
 * member of segment S now?" never reads RocksDB. Loaded from RocksDB when the runtime starts, then
 * kept write-through: the writer thread's changes are applied once the unit of work that wrote them
 * to RocksDB has committed ({@link UnitOfWork#afterCommit}), so it shows committed state, as RocksDB
 * does; after a crash it is simply loaded again.
 *
 * <p>Memory: one hash-set entry and the person id per membership — measured ~94 bytes for an id
 * like {@code a:v1234567}, ~110 for a UUID-based one, so 1 million memberships take ~100 MB of
 * heap. Thread-safe: one writer, any number of readers.
 */
final class MemberIndex {
    private final Map<String, Map<String, Set<String>>> stores = new ConcurrentHashMap<>();

    /** The index as RocksDB holds it now. */
    static MemberIndex load(RocksDatabase rocks) {
        MemberIndex index = new MemberIndex();
        try (RocksIterator it = rocks.db().newIterator(rocks.family(AudienceColumns.MEMBERS))) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                AudienceKeys.Reader key = new AudienceKeys.Reader(it.key());
                index.add(key.str(), key.str(), key.str());
            }
        }
        return index;
    }

    boolean contains(String storeId, String segmentId, String personId) {
        Map<String, Set<String>> segments = stores.get(storeId);
        Set<String> members = segments == null ? null : segments.get(segmentId);
        return members != null && members.contains(personId);
    }

    /** At most {@code max} members of a segment, and how many it had when they were picked. */
    record Sample(List<String> personIds, int size) {
    }

    /**
     * At most {@code max} members of a segment, spread evenly over the index's order — hash order,
     * which has nothing to do with when anyone joined or acted — so every part of the segment is
     * represented: every member when it has no more than {@code max}, else {@code max} members, one
     * per {@code size / max} (fractional strides, so exactly {@code max}). Costs one pass over the
     * segment's set in memory, no I/O.
     */
    Sample sample(String storeId, String segmentId, int max) {
        Map<String, Set<String>> segments = stores.get(storeId);
        Set<String> members = segments == null ? null : segments.get(segmentId);
        if (members == null || max <= 0) {
            return new Sample(List.of(), members == null ? 0 : members.size());
        }
        int size = members.size();
        List<String> out = new ArrayList<>(Math.min(size, max));
        long carry = size - 1L;
        for (String person : members) {
            // Member i (from 0) is picked when ⌈(i + 1) · max / size⌉ steps up: evenly spaced, the first always.
            carry += max;
            if (carry >= size) {
                carry -= size;
                out.add(person);
                if (out.size() == max) {
                    break;
                }
            }
        }
        return new Sample(out, size);
    }

    void add(String storeId, String segmentId, String personId) {
        stores.computeIfAbsent(storeId, k -> new ConcurrentHashMap<>())
                .computeIfAbsent(segmentId, k -> ConcurrentHashMap.newKeySet()).add(personId);
    }

    void remove(String storeId, String segmentId, String personId) {
        Map<String, Set<String>> segments = stores.get(storeId);
        Set<String> members = segments == null ? null : segments.get(segmentId);
        if (members != null) {
            members.remove(personId);
        }
    }

    void dropSegment(String storeId, String segmentId) {
        Map<String, Set<String>> segments = stores.get(storeId);
        if (segments != null) {
            segments.remove(segmentId);
        }
    }
}

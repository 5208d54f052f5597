package io.rebound.server.audience;

import io.rebound.server.runtime.RocksStore;
import org.rocksdb.RocksIterator;

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
    static MemberIndex load(RocksStore rocks) {
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

package io.rebound.server.runtime;

import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The visitor event table's retention: deletes the raw events (user agent, truncated IP, URLs,
 * ids, email hashes) and the dedup keys whose event time is older than their store's
 * {@code retention_days}. Both are judged by event time, with the same cutoff, so a dedup key
 * lives exactly as long as the event it protects; the indexer drops an arriving copy older than
 * the cutoff as expired (see {@link EventIndexer}), so an event id is filed at most once while
 * it could still be stored.
 *
 * <p>Events are keyed by store, visitor, event time, so a pass reads each visitor's expired
 * events and then seeks to the next visitor: it costs the number of visitors plus the deletions.
 * Dedup keys (store, event id → event time) are read in full. Both are read in chunks by a fresh
 * iterator each (no long-pinned RocksDB version) and deleted under the indexer's write lock, so
 * an erasure or an indexed batch never sees half a chunk.
 */
public final class EventRetention {
    static final int CHUNK = 2_000;

    private final RocksDatabase rocks;
    private final StoreRetentions retentions;
    private final ReentrantLock writing;

    /** What one pass deleted. */
    public record Purged(long events, long dedupKeys) {
    }

    EventRetention(RocksDatabase rocks, StoreRetentions retentions, ReentrantLock writing) {
        this.rocks = rocks;
        this.retentions = retentions;
        this.writing = writing;
    }

    Purged purge(Instant now) {
        return new Purged(purgeEvents(now), purgeDedupKeys(now));
    }

    private long purgeEvents(Instant now) {
        // Keys: store, visitor, event time, id hash — in event-time order within a visitor.
        return purge(EventIndexer.CF_EVENTS, now, (it, key, k, cutoff, doomed) -> {
            Keys.skipStr(k);
            int visitorEnd = k.position();
            if (k.getLong() < cutoff) {
                doomed.add(key);
                it.next();
            } else {
                // The visitor's other events are newer: next visitor.
                seekPast(it, key, visitorEnd);
            }
        });
    }

    private long purgeDedupKeys(Instant now) {
        // Keys: store, event id; value: the event time of its first copy.
        return purge(EventIndexer.CF_DEDUP, now, (it, key, k, cutoff, doomed) -> {
            if (ByteBuffer.wrap(it.value()).getLong() < cutoff) {
                doomed.add(key);
            }
            it.next();
        });
    }

    /** What to do with the key the iterator is on, of a store whose events older than {@code cutoff} go. */
    @FunctionalInterface
    private interface Visit {
        /** Adds the key to {@code doomed} or not, and moves the iterator on. {@code rest}: the key after the store id. */
        void visit(RocksIterator it, byte[] key, ByteBuffer rest, long cutoff, List<byte[]> doomed);
    }

    /**
     * Scans {@code family} in chunks (each deleted in its own write, between indexed batches), skipping
     * stores that keep everything, and deletes what {@code visit} dooms. Returns how many keys went.
     */
    private long purge(String family, Instant now, Visit visit) {
        long deleted = 0;
        byte[] cursor = null;
        do {
            List<byte[]> doomed = new ArrayList<>();
            try (RocksIterator it = rocks.db().newIterator(rocks.family(family))) {
                seek(it, cursor);
                for (int scanned = 0; it.isValid() && doomed.size() < CHUNK && scanned < 8 * CHUNK; scanned++) {
                    byte[] key = it.key();
                    ByteBuffer k = ByteBuffer.wrap(key);
                    Duration keep = retentions.of(Keys.readStr(k));
                    if (keep == null) {
                        seekPast(it, key, k.position());
                        continue;
                    }
                    visit.visit(it, key, k, now.minus(keep).toEpochMilli(), doomed);
                }
                cursor = it.isValid() ? it.key() : null;
            }
            deleted += delete(family, doomed);
        } while (cursor != null);
        return deleted;
    }

    /** Moves past every key that starts with the first {@code length} bytes of {@code key}. */
    private static void seekPast(RocksIterator it, byte[] key, int length) {
        byte[] end = Keys.prefixEnd(Arrays.copyOf(key, length));
        if (end == null) {
            it.seekToLast();
            it.next();
        } else {
            it.seek(end);
        }
    }

    private static void seek(RocksIterator it, byte[] cursor) {
        if (cursor == null) {
            it.seekToFirst();
        } else {
            it.seek(cursor);
        }
    }

    private int delete(String family, List<byte[]> keys) {
        if (keys.isEmpty()) {
            return 0;
        }
        writing.lock();
        try (WriteBatch batch = new WriteBatch()) {
            for (byte[] key : keys) {
                batch.delete(rocks.family(family), key);
            }
            rocks.write(batch);
        } catch (RocksDBException e) {
            throw new IllegalStateException(e);
        } finally {
            writing.unlock();
        }
        return keys.size();
    }
}

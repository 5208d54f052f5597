package io.rebound.server.audience;

import io.rebound.server.runtime.Keys;
import io.rebound.server.runtime.RocksStore;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.WriteBatchWithIndex;

import java.util.function.BiPredicate;

/**
 * The writer thread's pending writes: a {@link WriteBatchWithIndex} whose reads see its own
 * uncommitted puts and deletes over the database. Engine state, the change log and the consumed
 * log offset all go into one unit and reach RocksDB in one atomic write — or not at all.
 *
 * <p>Not thread-safe: only the runtime's writer thread touches it.
 */
final class UnitOfWork implements AutoCloseable {
    private final RocksStore rocks;
    private WriteBatchWithIndex batch = new WriteBatchWithIndex(true);
    /** Reused for every point read: the writer is single-threaded, and a new one per get costs a JNI round trip. */
    private final ReadOptions pointReads = new ReadOptions();
    private boolean dirty;
    /** What to do once this unit's writes are durable (in-memory views of them); dropped by {@link #discard}. */
    private final java.util.List<Runnable> afterCommit = new java.util.ArrayList<>();

    UnitOfWork(RocksStore rocks) {
        this.rocks = rocks;
    }

    byte[] get(String family, byte[] key) {
        try {
            return batch.getFromBatchAndDB(rocks.db(), rocks.family(family), pointReads, key);
        } catch (RocksDBException e) {
            throw new StateStoreException("read from " + family + " failed", e);
        }
    }

    void put(String family, byte[] key, byte[] value) {
        try {
            batch.put(rocks.family(family), key, value);
            dirty = true;
        } catch (RocksDBException e) {
            throw new StateStoreException("write to " + family + " failed", e);
        }
    }

    void delete(String family, byte[] key) {
        try {
            batch.delete(rocks.family(family), key);
            dirty = true;
        } catch (RocksDBException e) {
            throw new StateStoreException("delete in " + family + " failed", e);
        }
    }

    /**
     * Visits keys from {@code from} (inclusive) while they start with {@code prefix} (null: no bound),
     * pending writes included; the visitor returns false to stop.
     */
    void scan(String family, byte[] prefix, byte[] from, BiPredicate<byte[], byte[]> visitor) {
        byte[] end = prefix == null ? null : Keys.prefixEnd(prefix);
        try (Slice upper = end == null ? null : new Slice(end);
             ReadOptions ro = upper == null ? new ReadOptions() : new ReadOptions().setIterateUpperBound(upper);
             RocksIterator base = rocks.db().newIterator(rocks.family(family), ro);
             RocksIterator it = batch.newIteratorWithBase(rocks.family(family), base, ro)) {
            if (from == null) {
                it.seekToFirst();
            } else {
                it.seek(from);
            }
            for (; it.isValid(); it.next()) {
                byte[] key = it.key();
                if (end != null && Bytes.compare(key, end) >= 0) {
                    break;
                }
                if (!visitor.test(key, it.value())) {
                    break;
                }
            }
        }
    }

    boolean dirty() {
        return dirty;
    }

    /** Runs {@code action} on this thread right after the pending writes commit; never if they are discarded. */
    void afterCommit(Runnable action) {
        afterCommit.add(action);
    }

    /** Writes everything pending atomically, then starts an empty unit. */
    void commit() {
        if (!dirty) {
            return;
        }
        try {
            rocks.db().write(WRITE_OPTIONS, batch);
        } catch (RocksDBException e) {
            throw new StateStoreException("commit failed", e);
        }
        for (Runnable action : afterCommit) {
            action.run();
        }
        reset();
    }

    /** Forgets everything pending (after a failure, or a simulated crash in tests). */
    void discard() {
        reset();
    }

    private void reset() {
        afterCommit.clear();
        batch.close();
        batch = new WriteBatchWithIndex(true);
        dirty = false;
    }

    @Override
    public void close() {
        batch.close();
        pointReads.close();
    }

    private static final org.rocksdb.WriteOptions WRITE_OPTIONS = new org.rocksdb.WriteOptions();

    /** Unsigned lexicographic byte order, as RocksDB's default comparator. */
    static final class Bytes {
        private Bytes() {
        }

        static int compare(byte[] a, byte[] b) {
            return java.util.Arrays.compareUnsigned(a, b);
        }
    }
}

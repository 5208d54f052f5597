package io.rebound.server.audience;

import io.rebound.server.runtime.Keys;
import io.rebound.server.runtime.RocksDatabase;
import org.rocksdb.AbstractWriteBatch;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteBatchWithIndex;

import java.util.function.BiPredicate;

/**
 * The writer thread's pending writes. Engine state, the change log and the consumed log offset all
 * go into one unit and reach RocksDB in one atomic write — or not at all. Reads see the unit's own
 * uncommitted puts and deletes over the database.
 *
 * <p>Each key's latest pending value is kept in Java, per family, and handed to a
 * {@link WriteBatchWithIndex} only when the unit commits (or before a scan, which reads through that
 * batch): a key written many times in one unit — the store's change sequence, a segment's member
 * count, a person touched by several events of a batch — reaches RocksDB once. The families read key
 * by key on every event also keep a bounded copy of hot keys ({@link HotKeys}), so that a repeated
 * read costs no JNI round trip; their pending writes are held in that copy's entries, so that a write
 * after the read of its key looks nothing up again.
 *
 * <p>Not thread-safe: only the runtime's writer thread touches it.
 */
final class UnitOfWork implements AutoCloseable {
    /**
     * Heap for the person states held (their encoded bytes): an eighth of the heap. A least-recently
     * used copy smaller than the persons a load cycles through holds none of them when they come back
     * (measured: 50,000 visitors in turn, ~100 MB of states, against 96 MB), so it is sized by the heap.
     */
    static final long PERSONS_BUDGET = Runtime.getRuntime().maxMemory() / 8;
    /** Heap for the identity, activity and member keys held, each: a thirty-second of the heap. */
    static final long KEYS_BUDGET = Runtime.getRuntime().maxMemory() / 32;
    /** Heap for the counts and the few meta keys held. */
    static final long SMALL_BUDGET = 1L << 20;

    private final RocksDatabase rocks;
    /** The person key the writer built last: the person table and the timer table ask for it in turn. */
    final AudienceKeys.LastPersonKey personKeys = new AudienceKeys.LastPersonKey();
    private WriteBatchWithIndex batch = new WriteBatchWithIndex(true);
    /** Reused for every point read: the writer is single-threaded, and a new one per get costs a JNI round trip. */
    private final ReadOptions pointReads = new ReadOptions();
    private boolean dirty;
    /** Bytes of the keys and values pending in Java (a key's replaced value no longer counted). */
    private long pendingBytes;
    /** Whether {@link #batch} holds writes of this unit (a scan needed them indexed); else they are all pending in Java. */
    private boolean indexed;
    /** What to do once this unit's writes are durable (in-memory views of them); dropped by {@link #discard}. */
    private final java.util.List<Runnable> afterCommit = new java.util.ArrayList<>();
    private final java.util.Map<String, Family> families = new java.util.HashMap<>();

    /**
     * One column family's handle and, for the families read key by key, its hot keys, which also hold its
     * pending writes; the other families' pending writes (value or {@link HotKeys#ABSENT}) are in a map.
     */
    private static final class Family {
        final ColumnFamilyHandle handle;
        final HotKeys hot;
        final java.util.HashMap<HotKeys.Key, byte[]> pending = new java.util.HashMap<>();

        Family(ColumnFamilyHandle handle, HotKeys hot) {
            this.handle = handle;
            this.hot = hot;
        }
    }

    UnitOfWork(RocksDatabase rocks) {
        this(rocks, PERSONS_BUDGET, KEYS_BUDGET);
    }

    /** With the hot keys' budgets given (tests: small ones, so that keys leave). */
    UnitOfWork(RocksDatabase rocks, long personsBudget, long keysBudget) {
        this.rocks = rocks;
        hot(AudienceColumns.PERSONS, personsBudget);
        hot(AudienceColumns.IDENTITIES, keysBudget);
        hot(AudienceColumns.ACTIVITY, keysBudget);
        hot(AudienceColumns.MEMBERS, keysBudget);
        hot(AudienceColumns.COUNTS, Math.min(SMALL_BUDGET, keysBudget));
        hot(AudienceColumns.META, Math.min(SMALL_BUDGET, keysBudget));
    }

    private void hot(String name, long budget) {
        families.put(name, new Family(rocks.family(name), new HotKeys(budget)));
    }

    private Family family(String name) {
        Family f = families.get(name);
        if (f == null) {
            f = new Family(rocks.family(name), null);
            families.put(name, f);
        }
        return f;
    }

    byte[] get(String family, byte[] key) {
        Family f = family(family);
        HotKeys.Key k = new HotKeys.Key(key);
        // A family with hot keys: they hold every pending write of it, and a key they hold has its latest
        // value, pending or not. Without: its pending writes.
        byte[] known;
        if (f.hot != null) {
            HotKeys.Entry e = f.hot.get(k);
            known = e == null ? null : e.value();
        } else {
            known = f.pending.get(k);
        }
        if (known != null) {
            return known == HotKeys.ABSENT ? null : known;
        }
        byte[] value;
        if (!indexed) {
            // Nothing of this unit is in the batch: the database alone answers. A person asked for
            // exists (an identity named it): one read; other keys are often new (a first visit), and
            // the bloom filters answer a miss without a read.
            value = family.equals(AudienceColumns.PERSONS) ? read(f, key) : rocks.get(family, key);
        } else {
            try {
                value = batch.getFromBatchAndDB(rocks.db(), f.handle, pointReads, key);
            } catch (RocksDBException e) {
                throw new StateStorageException("read from " + family + " failed", e);
            }
        }
        if (f.hot != null) {
            f.hot.read(k, value == null ? HotKeys.ABSENT : value);
        }
        return value;
    }

    private byte[] read(Family f, byte[] key) {
        try {
            return rocks.db().get(f.handle, pointReads, key);
        } catch (RocksDBException e) {
            throw new StateStorageException("read failed", e);
        }
    }

    void put(String family, byte[] key, byte[] value) {
        write(family(family), new HotKeys.Key(key), value);
    }

    void delete(String family, byte[] key) {
        write(family(family), new HotKeys.Key(key), HotKeys.ABSENT);
    }

    /** Records {@code value} ({@link HotKeys#ABSENT}: a delete) as the key's pending write, unless the key holds it already. */
    private void write(Family f, HotKeys.Key k, byte[] value) {
        HotKeys.Entry hot = f.hot != null ? f.hot.get(k) : null;
        byte[] known = f.hot != null ? (hot == null ? null : hot.value()) : f.pending.get(k);
        if (known != null && (known == value || known != HotKeys.ABSENT && value != HotKeys.ABSENT
                && java.util.Arrays.equals(known, value))) {
            return; // the key holds this value already (committed, or pending in this unit)
        }
        byte[] replaced = f.hot != null ? f.hot.write(k, hot, value) : f.pending.put(k, value);
        pendingBytes += value.length - (replaced == null ? -k.bytes().length : replaced.length);
        dirty = true;
    }

    /** Hands every pending write to the indexed batch, which a scan reads through. */
    private void flush() {
        if (dirty) {
            flushInto(batch);
            indexed = true;
        }
    }

    /** Moves every pending write into {@code target}. */
    private void flushInto(AbstractWriteBatch target) {
        try {
            for (Family f : families.values()) {
                if (f.hot != null) {
                    for (HotKeys.Entry e : f.hot.pending()) {
                        handOver(target, f.handle, e.key().bytes(), e.value());
                    }
                    f.hot.handedOver();
                }
                for (java.util.Map.Entry<HotKeys.Key, byte[]> e : f.pending.entrySet()) {
                    handOver(target, f.handle, e.getKey().bytes(), e.getValue());
                }
                f.pending.clear();
            }
            pendingBytes = 0;
        } catch (RocksDBException e) {
            throw new StateStorageException("write to the unit of work failed", e);
        }
    }

    /** Puts {@code value} under {@code key} in {@code target}, or deletes the key when it is {@link HotKeys#ABSENT}. */
    private static void handOver(AbstractWriteBatch target, ColumnFamilyHandle family, byte[] key, byte[] value)
            throws RocksDBException {
        if (value == HotKeys.ABSENT) {
            target.delete(family, key);
        } else {
            target.put(family, key, value);
        }
    }

    /**
     * Visits keys from {@code from} (inclusive) while they start with {@code prefix} (null: no bound),
     * pending writes included; the visitor returns false to stop.
     */
    void scan(String family, byte[] prefix, byte[] from, BiPredicate<byte[], byte[]> visitor) {
        flush();
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

    /** Bytes of the writes pending in Java: what the unit holds on the heap until it commits (or a scan indexes them). */
    long pendingBytes() {
        return pendingBytes;
    }

    /** Runs {@code action} on this thread right after the pending writes commit; never if they are discarded. */
    void afterCommit(Runnable action) {
        afterCommit.add(action);
    }

    /** Writes everything pending atomically, then starts an empty unit. */
    void commit() {
        if (!dirty) {
            // Nothing to write (a write of a value a key already held is skipped): what the actions
            // show is committed already.
            runAfterCommit();
            return;
        }
        try {
            if (indexed) {
                flush();
                rocks.db().write(WRITE_OPTIONS, batch);
            } else {
                // No scan needed the index in this unit: a plain batch is cheaper to build than the indexed one.
                try (WriteBatch plain = new WriteBatch()) {
                    flushInto(plain);
                    rocks.db().write(WRITE_OPTIONS, plain);
                }
            }
        } catch (RocksDBException e) {
            throw new StateStorageException("commit failed", e);
        }
        runAfterCommit();
        reset();
    }

    private void runAfterCommit() {
        for (Runnable action : afterCommit) {
            action.run();
        }
        afterCommit.clear();
    }

    /** Forgets everything pending (after a failure, or a simulated crash in tests). */
    void discard() {
        reset();
        pendingBytes = 0;
        for (Family f : families.values()) {
            f.pending.clear();
            if (f.hot != null) {
                f.hot.clear(); // it holds this unit's writes too: forget them with it (it refills from RocksDB)
            }
        }
    }

    private void reset() {
        afterCommit.clear();
        if (indexed) {
            batch.close();
            batch = new WriteBatchWithIndex(true);
            indexed = false;
        }
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

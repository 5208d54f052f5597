package io.rebound.server.meta;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import javax.sql.DataSource;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;

/**
 * Rows of a database that only this process writes ({@link Database#onlyWriter}: the embedded H2
 * file), kept in memory and forgotten by this process's own writes, so what it answers is what the
 * database holds. The hot read paths (the decision API's key check and the person's offers) were a
 * database round trip each per call.
 *
 * <p>One instance per (database, name) in the JVM ({@link #of}), shared by every repository over the
 * database, so a write through any of them is seen by all. With PostgreSQL {@link #of} answers null and
 * callers read the database: another node may write, and what it wrote must count at once (a rotated
 * secret key stops working everywhere, an offer issued on one node is not issued again on another).
 *
 * <p>A load that ran across a write is not kept: the write may have changed what it read. Writers call
 * {@link #changed} after their commit.
 */
public final class OwnedRowsCache<K, V> {
    private static final Map<DataSource, Map<String, OwnedRowsCache<?, ?>>> BY_DATABASE =
            Collections.synchronizedMap(new WeakHashMap<>());

    private final Cache<K, V> rows;
    /** Bumped by every write: a load that ran across one is not kept. */
    private final AtomicLong writes = new AtomicLong();
    /** Loads publish under its read lock, writes clear under its write lock. */
    private final ReentrantReadWriteLock publishing = new ReentrantReadWriteLock();

    private OwnedRowsCache(long maximumSize) {
        this.rows = Caffeine.newBuilder().maximumSize(maximumSize).build();
    }

    /** The cache called {@code name} over {@code dataSource}, or null when another process may write to it. */
    @SuppressWarnings("unchecked")
    public static <K, V> OwnedRowsCache<K, V> of(DataSource dataSource, String name, long maximumSize) {
        if (!Database.onlyWriter(dataSource)) {
            return null;
        }
        return (OwnedRowsCache<K, V>) BY_DATABASE.computeIfAbsent(dataSource, d -> new ConcurrentHashMap<>())
                .computeIfAbsent(name, n -> new OwnedRowsCache<>(maximumSize));
    }

    /** The value of {@code key}, loaded when not held; a null from {@code load} (none) is answered, not kept. */
    public V get(K key, Function<K, V> load) {
        V cached = rows.getIfPresent(key);
        if (cached != null) {
            return cached;
        }
        MemoryOnly.check();
        long before = writes.get();
        V loaded = load.apply(key);
        if (loaded != null) {
            // The check and the put under the read lock, a write's bump and clearing under the write lock:
            // the put lands before the clearing (and is cleared) or sees the bump (and is not made). A put
            // checked, made and then taken back would be visible in between to every other reader.
            publishing.readLock().lock();
            try {
                if (writes.get() == before) {
                    rows.put(key, loaded);
                }
            } finally {
                publishing.readLock().unlock();
            }
        }
        return loaded;
    }

    /** After a committed write of {@code key}'s rows. */
    public void changed(K key) {
        publishing.writeLock().lock();
        try {
            writes.incrementAndGet();
            rows.invalidate(key);
        } finally {
            publishing.writeLock().unlock();
        }
    }

    /** After a committed write that may touch any key's rows. */
    public void changedAll() {
        publishing.writeLock().lock();
        try {
            writes.incrementAndGet();
            rows.invalidateAll();
        } finally {
            publishing.writeLock().unlock();
        }
    }
}

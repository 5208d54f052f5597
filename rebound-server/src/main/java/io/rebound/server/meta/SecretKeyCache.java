package io.rebound.server.meta;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.rebound.core.store.Store;

import javax.sql.DataSource;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Stores by the hash of their secret key, for a database only this process writes
 * ({@link Database#onlyWriter}): every API call with a secret key looked its store up, one database
 * round trip per call. One instance per database in the JVM ({@link #of}), shared by every
 * repository over it, so a rotation through any of them retires the old key at once.
 *
 * <p>Only keys that name a store are kept: unknown keys go to the database each time, so no one fills
 * memory by guessing. With PostgreSQL there is no cache ({@link #of} answers null): another node may
 * rotate a key, and a rotated key must stop working everywhere at once.
 */
final class SecretKeyCache {
    private static final Map<DataSource, SecretKeyCache> BY_DATABASE = Collections.synchronizedMap(new WeakHashMap<>());

    private final Cache<String, Store> stores = Caffeine.newBuilder().maximumSize(100_000).build();
    /** Bumped by every write to a store: a lookup that ran across a write is not kept. */
    private final AtomicLong writes = new AtomicLong();

    private SecretKeyCache() {
    }

    /** The cache for {@code dataSource}, or null when another process may write to it. */
    static SecretKeyCache of(DataSource dataSource) {
        return Database.onlyWriter(dataSource) ? BY_DATABASE.computeIfAbsent(dataSource, d -> new SecretKeyCache()) : null;
    }

    Optional<Store> get(String secretHash, Function<String, Optional<Store>> load) {
        Store cached = stores.getIfPresent(secretHash);
        if (cached != null) {
            return Optional.of(cached);
        }
        long before = writes.get();
        Optional<Store> loaded = load.apply(secretHash);
        // A write since may have rotated this key or changed the store: then the answer is not kept (the
        // write's changed() ran, or will run, after it committed, and clears anything put before it).
        if (loaded.isPresent() && writes.get() == before) {
            stores.put(secretHash, loaded.get());
            if (writes.get() != before) {
                stores.invalidate(secretHash);
            }
        }
        return loaded;
    }

    /** After a store's keys or settings changed (committed): forget every store. */
    void changed() {
        writes.incrementAndGet();
        stores.invalidateAll();
    }
}

package io.rebound.server.commerce;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.rebound.core.catalog.CatalogProduct;

import javax.sql.DataSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Catalog rows of the products answers show again and again (recommendations, the decision API's
 * creative), kept for {@link #TTL} per node, with their absence too. A write of the store's catalog
 * on this node ({@link JdbcCatalog}: products upserted or deleted through the API, the CSV upload, a
 * product webhook) makes every cached row of that store stale at once: each store has a generation
 * per database, bumped after every committed write, and a row read under an older generation is read
 * again. A write on another node shows here within {@link #TTL}.
 *
 * <p>Every cache over one database shares its rows (the decision API's and the recommendations'), so a
 * product is held once per node. The generation is read before the database, so a row read while a write commits is never
 * kept past that write.
 */
public final class ProductCache {
    static final Duration TTL = Duration.ofSeconds(5);
    static final long MAX_ROWS = 100_000;
    private static final Map<DataSource, Generations> BY_DATABASE = Collections.synchronizedMap(new WeakHashMap<>());

    /** Per-store write counters of one database, and its cached rows (one copy per database, however many caches read it). */
    static final class Generations {
        private final ConcurrentHashMap<String, AtomicLong> byStore = new ConcurrentHashMap<>();
        private final Cache<Key, Row> rows = Caffeine.newBuilder().maximumSize(MAX_ROWS).expireAfterWrite(TTL).build();

        long of(String storeId) {
            AtomicLong g = byStore.get(storeId);
            return g == null ? 0 : g.get();
        }

        void bump(String storeId) {
            byStore.computeIfAbsent(storeId, k -> new AtomicLong()).incrementAndGet();
        }
    }

    private record Key(String storeId, String productId) {
    }

    private record Row(Optional<CatalogProduct> product, long generation) {
    }

    private final JdbcCatalog catalog;
    private final Generations generations;
    private final Cache<Key, Row> rows;

    public ProductCache(JdbcCatalog catalog) {
        this.catalog = catalog;
        this.generations = generations(catalog.dataSource());
        this.rows = generations.rows;
    }

    static Generations generations(DataSource dataSource) {
        return BY_DATABASE.computeIfAbsent(dataSource, k -> new Generations());
    }

    /** The products of {@code ids} in the store's catalog, by id (absent ids are left out). */
    public Map<String, CatalogProduct> products(String storeId, Collection<String> ids) {
        long generation = generations.of(storeId);
        Map<String, CatalogProduct> out = new HashMap<>();
        List<String> missing = new ArrayList<>();
        for (String id : ids) {
            Row r = rows.getIfPresent(new Key(storeId, id));
            if (r == null || r.generation() != generation) {
                missing.add(id);
            } else {
                r.product().ifPresent(p -> out.put(id, p));
            }
        }
        if (!missing.isEmpty()) {
            io.rebound.server.meta.MemoryOnly.check();
            Map<String, CatalogProduct> read = catalog.products(storeId, missing);
            for (String id : missing) {
                CatalogProduct p = read.get(id);
                if (CatalogProduct.validId(id)) {
                    rows.put(new Key(storeId, id), new Row(Optional.ofNullable(p), generation));
                }
                if (p != null) {
                    out.put(id, p);
                }
            }
        }
        return out;
    }
}

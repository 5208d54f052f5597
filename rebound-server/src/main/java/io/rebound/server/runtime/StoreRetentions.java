package io.rebound.server.runtime;

import io.rebound.core.store.Store;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Each store's {@code retention_days} as a duration, cached: the indexer asks once per event, and
 * the metadata database must not be. {@link #refresh} (once per retention pass) picks up edits. An
 * unknown store gets {@link Store#DEFAULT_RETENTION_DAYS}; a failed lookup gets null (keep
 * everything for now), so a database hiccup never shortens a store's retention.
 */
public final class StoreRetentions {
    private static final Logger LOG = LoggerFactory.getLogger(StoreRetentions.class);
    private final Function<String, Optional<Store>> stores;
    private final Map<String, Duration> cache = new ConcurrentHashMap<>();

    public StoreRetentions(Function<String, Optional<Store>> stores) {
        this.stores = stores;
    }

    /** Keeps everything: for runtimes built without a store lookup (tests, tools). */
    public static StoreRetentions forever() {
        return new StoreRetentions(null);
    }

    /** The store's retention, or null when events are kept forever. */
    public Duration of(String storeId) {
        if (stores == null) {
            return null;
        }
        Duration d = cache.get(storeId);
        return d != null ? d : cache.computeIfAbsent(storeId, this::lookup);
    }

    /** Reads every cached store's retention again. */
    public void refresh() {
        for (String storeId : List.copyOf(cache.keySet())) {
            Duration d = lookup(storeId);
            if (d != null) {
                cache.put(storeId, d);
            }
        }
    }

    private Duration lookup(String storeId) {
        try {
            return Duration.ofDays(stores.apply(storeId).map(Store::retentionDays).orElse(Store.DEFAULT_RETENTION_DAYS));
        } catch (RuntimeException e) {
            LOG.warn("retention: cannot read the retention of store {}: {}", storeId, e.getMessage());
            return null;
        }
    }
}

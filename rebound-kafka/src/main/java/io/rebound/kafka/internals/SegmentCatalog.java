package io.rebound.kafka.internals;

import io.rebound.core.engine.AudienceProcessor;
import io.rebound.core.segment.Segment;
import io.rebound.core.store.Store;
import io.rebound.kafka.SegmentRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This instance's view of every store's segments, fed by the global segments store (so every
 * instance sees every create, edit and delete) and read by the stream threads. Per store it keeps a
 * fingerprint of the segment records; a partition whose last backfill was for another fingerprint
 * backfills again.
 */
public final class SegmentCatalog {

    /** One store's segments as of one fingerprint, with the processor that evaluates them. */
    public record StoreSegments(String storeId, long fingerprint, Map<String, byte[]> records,
                                AudienceProcessor processor) {
    }

    private final Map<String, StoreSegments> stores = new ConcurrentHashMap<>();
    private final Duration retention = Duration.ofDays(Store.DEFAULT_RETENTION_DAYS);

    /** The store's current segments (none known: an empty set, fingerprint 0). */
    public StoreSegments of(String storeId) {
        StoreSegments s = stores.get(storeId);
        return s != null ? s : build(storeId, Map.of());
    }

    public Set<String> storeIds() {
        return Set.copyOf(stores.keySet());
    }

    /** Applies one record of the segments topic (value null: a tombstone, forgotten). */
    public synchronized void apply(String key, byte[] value) {
        String storeId = key.substring(0, key.indexOf('\0'));
        Map<String, byte[]> records = new TreeMap<>(stores.containsKey(storeId) ? stores.get(storeId).records() : Map.of());
        if (value == null) {
            records.remove(key);
        } else {
            records.put(key, value);
        }
        stores.put(storeId, build(storeId, records));
    }

    private StoreSegments build(String storeId, Map<String, byte[]> records) {
        long fp = 0;
        TreeMap<String, Segment> live = new TreeMap<>();
        Set<String> deleted = new java.util.HashSet<>();
        for (Map.Entry<String, byte[]> e : records.entrySet()) {
            fp = SegmentRecord.fingerprint(fp, e.getValue());
            SegmentRecord r = SegmentRecord.decode(e.getValue());
            if (r.deleted()) {
                deleted.add(r.segmentId());
            } else {
                live.put(r.segmentId(), r.segment());
            }
        }
        // A status in a segment this instance has not heard of yet is not a deletion: only recorded deletions are.
        return new StoreSegments(storeId, fp, Map.copyOf(records),
                new AudienceProcessor(storeId, live.values(), retention, deleted));
    }

    /** The global store's update processor: writes the store and the catalog. */
    public Processor<String, byte[], Void, Void> updater(String storeName) {
        return new Processor<>() {
            private KeyValueStore<String, byte[]> store;

            @Override
            public void init(ProcessorContext<Void, Void> context) {
                store = context.getStateStore(storeName);
                // Global stores are restored before processors start: load what is already there.
                try (KeyValueIterator<String, byte[]> it = store.all()) {
                    it.forEachRemaining(kv -> apply(kv.key, kv.value));
                }
            }

            @Override
            public void process(Record<String, byte[]> record) {
                if (record.value() == null) {
                    store.delete(record.key());
                } else {
                    store.put(record.key(), record.value());
                }
                apply(record.key(), record.value());
            }
        };
    }
}

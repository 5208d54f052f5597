package io.rebound.kafka.internals;

import io.rebound.core.engine.AudienceProcessor;
import io.rebound.core.segment.Segment;
import io.rebound.kafka.Keys;
import io.rebound.kafka.SegmentRecord;
import io.rebound.kafka.StoreSettings;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.Map;
import java.util.SortedMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This instance's view of every store's segments, fed by the global segments store (so every
 * instance sees every create, edit and delete, and each store's {@link StoreSettings}) and read by
 * the stream threads. Per store it keeps a fingerprint of the segment records; a partition whose
 * last backfill was for another fingerprint backfills again. Each store's processor keeps events
 * as long as the store's settings say.
 */
public final class SegmentCatalog {

    /**
     * One store's segments as of one fingerprint, with the processor that evaluates them.
     *
     * @param records  the store's records of the segments topic by key: segments, deletions, settings
     * @param settings the store's settings (the defaults when it has none)
     */
    public record StoreSegments(String storeId, long fingerprint, SortedMap<String, byte[]> records,
                                StoreSettings settings, AudienceProcessor processor) {
    }

    private final Map<String, StoreSegments> stores = new ConcurrentHashMap<>();

    /** The store's current segments (none known: an empty set, fingerprint 0). */
    public StoreSegments of(String storeId) {
        StoreSegments s = stores.get(storeId);
        return s != null ? s : build(storeId, new TreeMap<>());
    }

    public Set<String> storeIds() {
        return Set.copyOf(stores.keySet());
    }

    /** Applies one record of the segments topic (value null: a tombstone, forgotten). */
    public synchronized void apply(String key, byte[] value) {
        String storeId = Keys.store(key);
        StoreSegments current = stores.get(storeId);
        if (current != null && Arrays.equals(current.records().get(key), value)) {
            return; // a settings record republished unchanged, say: nothing to rebuild
        }
        TreeMap<String, byte[]> records = new TreeMap<>(current != null ? current.records() : Map.of());
        if (value == null) {
            records.remove(key);
        } else {
            records.put(key, value);
        }
        stores.put(storeId, build(storeId, records));
    }

    private StoreSegments build(String storeId, TreeMap<String, byte[]> records) {
        TreeMap<String, Segment> live = new TreeMap<>();
        Set<String> deleted = new HashSet<>();
        StoreSettings settings = StoreSettings.defaults(storeId);
        for (Map.Entry<String, byte[]> e : records.entrySet()) {
            if (StoreSettings.isKey(e.getKey())) {
                settings = StoreSettings.decode(e.getValue());
                continue;
            }
            SegmentRecord r = SegmentRecord.decode(e.getValue());
            if (r.deleted()) {
                deleted.add(r.segmentId());
            } else {
                live.put(r.segmentId(), r.segment());
            }
        }
        // A status in a segment this instance has not heard of yet is not a deletion: only recorded deletions are.
        return new StoreSegments(storeId, SegmentRecord.fingerprint(records), Collections.unmodifiableSortedMap(records),
                settings, new AudienceProcessor(storeId, live.values(), settings.retention(), deleted));
    }

    /** The global store's update processor: writes the store and the catalog. */
    public Processor<String, byte[], Void, Void> updater(String stateName) {
        return new Processor<>() {
            private KeyValueStore<String, byte[]> state;

            @Override
            public void init(ProcessorContext<Void, Void> context) {
                state = context.getStateStore(stateName);
                // Global stores are restored before processors start: load what is already there.
                try (KeyValueIterator<String, byte[]> it = state.all()) {
                    it.forEachRemaining(kv -> apply(kv.key, kv.value));
                }
            }

            /**
             * The catalog first, then the queryable store: whoever sees a segment in the store (a caller
             * that waits for it before asking for a backfill) finds it in the catalog too. The other way
             * round left a window in which the store had it and a tick's backfill did not (a CI run of
             * ClusterPostgresContractIT lost a membership so).
             */
            @Override
            public void process(Record<String, byte[]> record) {
                apply(record.key(), record.value());
                if (record.value() == null) {
                    state.delete(record.key());
                } else {
                    state.put(record.key(), record.value());
                }
            }
        };
    }
}

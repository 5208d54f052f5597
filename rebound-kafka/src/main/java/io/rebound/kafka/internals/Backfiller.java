package io.rebound.kafka.internals;

import io.rebound.core.binary.BinaryReader;
import io.rebound.core.binary.BinaryWriter;
import io.rebound.kafka.BackfillProgress;
import io.rebound.kafka.Keys;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * Per partition: when a store's segment set (its catalog fingerprint) differs from the one this
 * partition last backfilled, re-evaluates the store's persons of this partition in key order, a
 * chunk per punctuation, remembering a cursor in a changelogged store so that a backfill resumes
 * where it stopped after a rebalance or crash. Events keep flowing meanwhile: whichever reaches a
 * person first — an event or the backfill — evaluates the new definitions; the other finds nothing
 * to do.
 */
public final class Backfiller {

    public static final String STATE = "rebound-backfills";
    static final String PROGRESS_SINK = "progress-sink";

    /**
     * @param chunk    persons per punctuation per partition
     * @param progress where this instance reports progress
     */
    public record Options(int chunk, BackfillProgress progress) {
    }

    /** Re-evaluates one person. */
    @FunctionalInterface
    interface Step {
        void run(String personKey, Instant now);
    }

    record State(long fingerprint, String cursor, long done, long total) {
        byte[] encode() {
            return new BinaryWriter().int64BE(fingerprint).int32StringOrNull(cursor).int64BE(done).int64BE(total)
                    .toByteArray();
        }

        static State decode(byte[] b) {
            BinaryReader in = new BinaryReader(b);
            return new State(in.int64BE(), in.int32StringOrNull(), in.int64BE(), in.int64BE());
        }

        boolean complete() {
            return cursor == null && done >= total;
        }
    }

    private final ProcessorContext<String, byte[]> context;
    private final KeyValueStore<String, byte[]> persons;
    private final KeyValueStore<String, byte[]> state;
    private final SegmentCatalog catalog;
    private final Options options;
    private final Step step;
    private final Map<String, State> states = new HashMap<>();

    Backfiller(ProcessorContext<String, byte[]> context, KeyValueStore<String, byte[]> persons, SegmentCatalog catalog,
               Options options, Step step) {
        this.context = context;
        this.persons = persons;
        this.state = context.getStateStore(STATE);
        this.catalog = catalog;
        this.options = options;
        this.step = step;
        try (KeyValueIterator<String, byte[]> it = state.all()) {
            it.forEachRemaining(kv -> states.put(kv.key, State.decode(kv.value)));
        }
    }

    /** Advances every store's backfill by a chunk, or to the end when {@code complete}. */
    void step(Instant now, boolean complete) {
        for (String storeId : catalog.storeIds()) {
            long fingerprint = catalog.of(storeId).fingerprint();
            State s = states.get(storeId);
            if (s == null || s.fingerprint() != fingerprint) {
                s = new State(fingerprint, "", 0, count(storeId));
            } else if (s.complete()) {
                continue;
            }
            do {
                s = chunk(storeId, s, now);
            } while (complete && !s.complete());
            states.put(storeId, s);
            state.put(storeId, s.encode());
            BackfillProgress.Partition p = new BackfillProgress.Partition(storeId, context.taskId().partition(),
                    fingerprint, s.done(), s.total());
            options.progress().update(p);
            context.forward(new Record<>(Keys.of(storeId, Integer.toString(p.partition())), p.encode(),
                    context.currentSystemTimeMs()), PROGRESS_SINK);
        }
    }

    private long count(String storeId) {
        long n = 0;
        try (KeyValueIterator<String, byte[]> it = persons.range(Keys.of(storeId, ""), Keys.storeEnd(storeId))) {
            while (it.hasNext()) {
                it.next();
                n++;
            }
        }
        return n;
    }

    private State chunk(String storeId, State s, Instant now) {
        // The cursor is the last person key done; "" before the first. Keys after it: cursor + "\0".
        String from = s.cursor().isEmpty() ? Keys.of(storeId, "") : s.cursor() + Keys.SEP;
        java.util.List<String> keys = new java.util.ArrayList<>(options.chunk());
        try (KeyValueIterator<String, byte[]> it = persons.range(from, Keys.storeEnd(storeId))) {
            while (it.hasNext() && keys.size() < options.chunk()) {
                KeyValue<String, byte[]> kv = it.next();
                if (!kv.key.equals(Keys.storeEnd(storeId))) {
                    keys.add(kv.key);
                }
            }
        }
        for (String key : keys) {
            step.run(key, now);
        }
        boolean end = keys.size() < options.chunk();
        long done = end ? Math.max(s.total(), s.done() + keys.size()) : s.done() + keys.size();
        return new State(s.fingerprint(), end ? null : keys.isEmpty() ? s.cursor() : keys.getLast(), done,
                end ? done : s.total());
    }
}

package io.rebound.kafka.internals;

import io.rebound.kafka.Keys;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.util.ArrayList;
import java.util.List;

/**
 * What a partition remembers of persons that no longer hold a state: a person absorbed by a merge
 * (or claimed by one before its state existed) points at its survivor, so records still on their way
 * to it follow; a person retired by {@link Housekeeping} is marked, so that an event still on its way
 * to it re-links the ids the retirement unlinked. Each entry records the partition's stream time when
 * it was made (the produce time of the records processed so far, which a backlog does not advance),
 * and is dropped once the stream time has moved a grace period past it: by then every record routed
 * before the aliases moved has been processed.
 *
 * <p>Value: {@code survivor \0 stream-millis}, or {@code \0 stream-millis} for a retired person.
 * A value without the separator was written before entries carried a time; a sweep dates it now.
 */
final class Redirects {

    private final KeyValueStore<String, String> state;

    Redirects(KeyValueStore<String, String> state) {
        this.state = state;
    }

    /** The survivor a person moved to; null when it has none (never moved, or retired). */
    String target(String key) {
        return survivorOf(state.get(key));
    }

    /** What this person left behind: its stored value, null when it never moved nor retired (or that was dropped). */
    String entry(String key) {
        return state.get(key);
    }

    /** Whether a stored value marks a person housekeeping retired (its ids unlinked) within the grace period. */
    static boolean isRetired(String value) {
        return value.indexOf(Keys.SEP) == 0;
    }

    void moveTo(String key, String survivor, long streamTime) {
        state.put(key, survivor + Keys.SEP + streamTime);
    }

    void retire(String key, long streamTime) {
        state.put(key, String.valueOf(Keys.SEP) + streamTime);
    }

    void delete(String key) {
        state.delete(key);
    }

    /** The survivor in a stored value (null for none or a retired person). */
    static String survivorOf(String value) {
        if (value == null) {
            return null;
        }
        int sep = value.indexOf(Keys.SEP);
        return sep < 0 ? value : sep == 0 ? null : value.substring(0, sep);
    }

    /**
     * Sweeps up to {@code limit} entries after {@code cursor} (null: from the start): drops those made
     * before {@code before} (stream time), dates undated ones {@code streamTime}.
     *
     * @return the last key looked at, or null when the sweep reached the end
     */
    String sweep(String cursor, int limit, long before, long streamTime, Counts counts) {
        List<KeyValue<String, String>> chunk = new ArrayList<>(limit);
        try (KeyValueIterator<String, String> it = cursor == null ? state.all() : state.range(cursor, null)) {
            while (it.hasNext() && chunk.size() < limit) {
                KeyValue<String, String> kv = it.next();
                if (!kv.key.equals(cursor)) {
                    chunk.add(kv);
                }
            }
        }
        for (KeyValue<String, String> kv : chunk) {
            int sep = kv.value.indexOf(Keys.SEP);
            if (sep < 0) {
                moveTo(kv.key, kv.value, streamTime);
            } else if (Long.parseLong(kv.value.substring(sep + 1)) < before) {
                state.delete(kv.key);
                counts.redirectsDropped++;
            }
        }
        return chunk.size() < limit ? null : chunk.getLast().key;
    }

    /** What a housekeeping pass did. */
    static final class Counts {
        long personsRetired;
        long redirectsDropped;
    }
}

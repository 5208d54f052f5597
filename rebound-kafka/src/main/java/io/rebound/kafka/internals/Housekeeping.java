package io.rebound.kafka.internals;

import io.rebound.core.engine.AudienceProcessor;
import io.rebound.core.engine.PersonState;
import io.rebound.core.engine.PersonStateCodec;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The retention pass of one partition, the cluster's counterpart of the embedded runtime's sweep:
 * every {@code every}, a chunk per punctuation, it walks the partition's persons and then its
 * redirects. Events themselves leave a person's state when their timer fires; this pass retires what
 * is left behind — a person with no retained event and no segment status is deleted, its timer
 * cleared and its ids unlinked ({@link Retire}) — and drops redirects the grace period old
 * ({@link Redirects}). Nothing personal outlives the store's retention by more than one interval.
 */
public final class Housekeeping {

    private static final Logger LOG = LoggerFactory.getLogger(Housekeeping.class);

    /**
     * @param every how often a pass starts (the first at the first punctuation)
     * @param grace how long, in stream time, a redirect or a retired person's mark is kept
     * @param chunk persons or redirects looked at per punctuation
     */
    public record Options(Duration every, Duration grace, int chunk) {
        public static final Options DEFAULT = new Options(Duration.ofHours(1), Duration.ofDays(1), 1_000);

        public Options {
            if (every.isNegative() || grace.isNegative() || chunk < 1) {
                throw new IllegalArgumentException("housekeeping needs a non-negative interval and grace and a chunk ≥ 1");
            }
        }
    }

    /** Stores a call's result (the processor's write). */
    @FunctionalInterface
    interface Write {
        void write(PersonState before, AudienceProcessor.Result result);
    }

    /** Deletes a person that holds nothing (the result of bringing it up to date), with its timer, and unlinks its ids. */
    @FunctionalInterface
    interface Retire {
        void retire(PersonState before, AudienceProcessor.Result vacant);
    }

    private enum Phase { PERSONS, REDIRECTS, IDLE }

    private final KeyValueStore<String, byte[]> persons;
    private final Redirects redirects;
    private final SegmentCatalog catalog;
    private final Options options;
    private Phase phase = Phase.IDLE;
    private String cursor;
    private Instant started;
    private Redirects.Counts counts = new Redirects.Counts();

    Housekeeping(KeyValueStore<String, byte[]> persons, Redirects redirects, SegmentCatalog catalog, Options options) {
        this.persons = persons;
        this.redirects = redirects;
        this.catalog = catalog;
        this.options = options;
    }

    /** Starts a pass when one is due, and advances the running one by a chunk. */
    void step(Instant now, long streamTime, Write write, Retire retire) {
        if (phase == Phase.IDLE) {
            if (started != null && now.isBefore(started.plus(options.every()))) {
                return;
            }
            started = now;
            phase = Phase.PERSONS;
            cursor = null;
            counts = new Redirects.Counts();
        }
        if (phase == Phase.PERSONS) {
            cursor = persons(now, write, retire);
            if (cursor == null) {
                phase = Phase.REDIRECTS;
            }
        } else {
            cursor = redirects.sweep(cursor, options.chunk(), streamTime - options.grace().toMillis(), streamTime, counts);
            if (cursor == null) {
                phase = Phase.IDLE;
                if (counts.personsRetired + counts.redirectsDropped > 0) {
                    LOG.info("housekeeping: retired {} persons with nothing retained, dropped {} redirects",
                            counts.personsRetired, counts.redirectsDropped);
                }
            }
        }
    }

    private String persons(Instant now, Write write, Retire retire) {
        List<KeyValue<String, byte[]>> chunk = new ArrayList<>(options.chunk());
        try (KeyValueIterator<String, byte[]> it = cursor == null ? persons.all() : persons.range(cursor, null)) {
            while (it.hasNext() && chunk.size() < options.chunk()) {
                KeyValue<String, byte[]> kv = it.next();
                if (!kv.key.equals(cursor)) {
                    chunk.add(kv);
                }
            }
        }
        for (KeyValue<String, byte[]> kv : chunk) {
            PersonState state = PersonStateCodec.decode(kv.value);
            if (!state.visitor().isEmpty()) {
                continue; // its events' timers purge them; nothing to retire yet
            }
            // Bring the shell up to date first: that records any due leave and forgets statuses older than retention.
            AudienceProcessor.Result r = catalog.of(state.storeId()).processor().onTimer(state, now);
            if (r.state().vacant()) {
                retire.retire(state, r);
                counts.personsRetired++;
            } else if (!r.changes().isEmpty() || !r.state().segments().equals(state.segments())) {
                write.write(state, r);
            }
        }
        return chunk.size() < options.chunk() ? null : chunk.getLast().key;
    }
}

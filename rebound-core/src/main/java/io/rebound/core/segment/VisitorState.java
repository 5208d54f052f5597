package io.rebound.core.segment;

import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;

import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * The events one person has retained, in compact form, sorted by event time (then id hash).
 * Immutable: every change returns a new state. Adding an event whose id is already retained
 * returns the same state, and the order in which events are added never matters — so duplicate
 * and late delivery give exactly the state of in-order delivery.
 *
 * <p>A state decoded by {@link VisitorStateCodec} knows each event's time, id hash and type at once
 * and builds the {@link RetainedEvent} itself only when asked for it (a condition on the type alone never asks), which
 * is what makes evaluating a segment over stored states cheap. Observable behaviour is the same.
 *
 * <p>A state holds at most {@value #MAX_EVENTS} events: the most recent ones (by the same order).
 * Adding to a full state drops the oldest — or the new event itself when it is older than all of
 * them — and counts it ({@link #droppedEvents()}). The state is still a function of the set of
 * events delivered (the latest {@value #MAX_EVENTS} of it), so arrival order and redelivery still
 * never matter; what a cap costs is the history of a visitor id that sends more than any shopper
 * does (a bot, a shared test id), and it keeps each add, done on the one writer thread, bounded.
 */
public final class VisitorState {

    /** Events retained per person at most; a real shopper's history within a retention window is far smaller. */
    public static final int MAX_EVENTS = 2_000;

    public static final VisitorState EMPTY = new VisitorState(new RetainedEvent[0]);

    /** Events dropped by {@link #MAX_EVENTS} in this process (an operational count, not state). */
    private static final LongAdder DROPPED = new LongAdder();

    private static final int[] NONE = new int[0];
    private static final long[] NO_TIMES = new long[0];
    private static final int TYPE_COUNT = EventType.values().length;

    /** Every event, when the state was built from them; null with a {@code source}. */
    private final RetainedEvent[] events;
    /**
     * With a {@code source}: the events built so far (slot i null until event i is first needed), and null
     * until the first one is. Most states read from RocksDB never build an event (their columns answer), and
     * an array per state read was a twentieth of the writer's allocations. Written racily when shared, which
     * is benign: RetainedEvent is immutable, and a lost write only means an event decoded again.
     */
    private RetainedEvent[] decoded;
    private final int size;
    /**
     * This very state's encoding, or null when it was built otherwise (and is encoded afresh when written).
     * An event added to a state with a source is spliced into a copy of the source's bytes
     * ({@link VisitorStateCodec#insert}): the added state has a source of its own, so writing it back is a
     * copy, and reading its times, types and id hashes reads its columns — no event is built, none encoded
     * again.
     */
    private final VisitorStateCodec.Encoded source;
    /** Each type's event indices and times, once asked for ({@link #byType()}). */
    private ByType byType;

    private VisitorState(RetainedEvent[] sortedDistinct) {
        this(sortedDistinct, null);
    }

    private VisitorState(RetainedEvent[] events, VisitorStateCodec.Encoded source) {
        this.events = events;
        this.source = source;
        this.size = source != null ? source.size() : events.length;
    }

    /** A state over its encoding (written by the codec, so sorted and without duplicate ids). */
    static VisitorState encoded(VisitorStateCodec.Encoded source) {
        return source.size() == 0 ? EMPTY : new VisitorState(null, source);
    }

    /** This state's encoding; null when it was built otherwise. */
    VisitorStateCodec.Encoded source() {
        return source;
    }

    /** Whether this state is its {@link #source()}: its encoding is at hand. */
    boolean isSource() {
        return source != null;
    }

    /** A state holding {@code events}, sorted and deduplicated by id hash. */
    public static VisitorState of(Collection<RetainedEvent> events) {
        VisitorState s = EMPTY;
        for (RetainedEvent e : events) {
            s = s.add(e);
        }
        return s;
    }

    public VisitorState add(Event event) {
        return add(RetainedEvent.of(event));
    }

    /** This state with {@code event} added; this very state when its id is already retained. */
    public VisitorState add(RetainedEvent event) {
        if (contains(event.idHash())) {
            return this;
        }
        if (source != null && size < MAX_EVENTS) {
            return addToSource(event);
        }
        RetainedEvent[] events = all();
        int pos = Arrays.binarySearch(events, event, RetainedEvent.ORDER);
        int insert = pos >= 0 ? pos : -pos - 1;
        // The oldest `drop` of the events with the new one inserted are not kept (a decoded state
        // may hold more than MAX_EVENTS, from before the cap).
        int drop = Math.max(0, events.length + 1 - MAX_EVENTS);
        if (drop > 0) {
            DROPPED.add(drop);
        }
        if (insert < drop) {
            return drop == 1 ? this : new VisitorState(Arrays.copyOfRange(events, drop - 1, events.length));
        }
        RetainedEvent[] next = new RetainedEvent[events.length + 1 - drop];
        System.arraycopy(events, drop, next, 0, insert - drop);
        next[insert - drop] = event;
        System.arraycopy(events, insert, next, insert - drop + 1, events.length - insert);
        return new VisitorState(next);
    }

    /**
     * {@link #add} to a state with a source and room: the event's columns spliced into the source's bytes;
     * the events built so far stay built.
     */
    private VisitorState addToSource(RetainedEvent event) {
        int n = size;
        int lo = 0;
        int hi = n;
        while (lo < hi) { // the first slot ordered after the new event (its id hash is not retained)
            int mid = (lo + hi) >>> 1;
            int c = Long.compare(source.time(mid), event.timeMillis());
            if (c < 0 || c == 0 && source.hash(mid) < event.idHash()) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        RetainedEvent[] built = decoded;
        RetainedEvent[] next = null;
        if (built != null) {
            next = new RetainedEvent[n + 1];
            System.arraycopy(built, 0, next, 0, lo);
            next[lo] = event;
            System.arraycopy(built, lo, next, lo + 1, n - lo);
        }
        VisitorState added = new VisitorState(null, VisitorStateCodec.insert(source, event, lo));
        added.decoded = next;
        return added;
    }

    /** Events dropped because a person's state was full ({@link #MAX_EVENTS}), in this process since start. */
    public static long droppedEvents() {
        return DROPPED.sum();
    }

    /** Whether an event with this id hash is retained. */
    public boolean contains(long idHash) {
        if (source != null) {
            return source.containsHash(idHash);
        }
        for (int i = 0; i < size; i++) {
            if (hashAt(i) == idHash) {
                return true;
            }
        }
        return false;
    }

    /** The union of both states, for identity merges; events present in both are kept once. */
    public VisitorState merge(VisitorState other) {
        VisitorState s = this.size >= other.size ? this : other;
        VisitorState small = s == this ? other : this;
        for (RetainedEvent e : small.all()) {
            s = s.add(e);
        }
        return s;
    }

    /** This state without events whose time is before {@code cutoff} (retention). */
    public VisitorState purgeBefore(Instant cutoff) {
        long c = cutoff.toEpochMilli();
        int i = 0;
        while (i < size && timeAt(i) < c) {
            i++;
        }
        return i == 0 ? this : new VisitorState(Arrays.copyOfRange(all(), i, size));
    }

    /** Retained events, oldest first. */
    public List<RetainedEvent> events() {
        return List.of(all());
    }

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** Time of the oldest retained event, or null when empty. */
    public Instant oldest() {
        return size == 0 ? null : Instant.ofEpochMilli(timeAt(0));
    }

    /**
     * The time of the latest retained event of each type, in one pass: {@code latest[type.ordinal()]}
     * in epoch millis, {@link Long#MIN_VALUE} for a type with none.
     */
    public long[] latestMillisByType() {
        if (source != null) {
            return source.latestMillisByType();
        }
        long[] latest = new long[TYPE_COUNT];
        Arrays.fill(latest, Long.MIN_VALUE);
        for (int i = 0; i < events.length; i++) {
            // Oldest first: each type's last write is its latest event.
            latest[typeAt(i).ordinal()] = timeAt(i);
        }
        return latest;
    }

    /** The indices of the events of {@code type}, oldest first (shared: not to be changed). */
    int[] indicesOf(EventType type) {
        return byType().indices[type.ordinal()];
    }

    /** The times of the events of {@code type}, epoch millis, oldest first (shared: not to be changed). */
    long[] timesOf(EventType type) {
        return byType().times[type.ordinal()];
    }

    private ByType byType() {
        ByType b = byType;
        if (b == null) {
            b = new ByType(this);
            byType = b; // a race builds it twice, alike; its final fields publish its arrays safely
        }
        return b;
    }

    /**
     * Each type's event indices and times, read in two passes over the events when first asked for: every
     * segment's timeline over this state asks, and each read every event's type again (a twentieth of the
     * audience writer's time with five segments).
     */
    private static final class ByType {
        final int[][] indices;
        final long[][] times;

        ByType(VisitorState state) {
            int types = TYPE_COUNT;
            int n = state.size();
            int[] counts = new int[types];
            for (int i = 0; i < n; i++) {
                counts[state.typeAt(i).ordinal()]++;
            }
            indices = new int[types][];
            times = new long[types][];
            for (int o = 0; o < types; o++) {
                indices[o] = counts[o] == 0 ? NONE : new int[counts[o]];
                times[o] = counts[o] == 0 ? NO_TIMES : new long[counts[o]];
                counts[o] = 0;
            }
            for (int i = 0; i < n; i++) {
                int o = state.typeAt(i).ordinal();
                int k = counts[o]++;
                indices[o][k] = i;
                times[o][k] = state.timeAt(i);
            }
        }
    }

    /** The product ids of event i, without building the event when it is not built yet. */
    List<String> productIdsAt(int i) {
        if (source == null) {
            return events[i].productIds();
        }
        RetainedEvent[] built = decoded;
        RetainedEvent e = built == null ? null : built[i];
        return e != null ? e.productIds() : source.productIds(i);
    }

    /** Event i, oldest first. */
    RetainedEvent get(int i) {
        if (source == null) {
            return events[i];
        }
        RetainedEvent[] built = decoded;
        if (built == null) {
            built = new RetainedEvent[size];
            decoded = built;
        }
        RetainedEvent e = built[i];
        if (e == null) {
            e = source.event(i);
            built[i] = e;
        }
        return e;
    }

    /** Time of event i, epoch millis, without building the event. */
    long timeAt(int i) {
        return source != null ? source.time(i) : events[i].timeMillis();
    }

    /** Type of event i, without building the event. */
    EventType typeAt(int i) {
        return source != null ? source.type(i) : events[i].type();
    }

    /** Id hash of event i, without building the event. */
    long hashAt(int i) {
        return source != null ? source.hash(i) : events[i].idHash();
    }

    /** Every event built. */
    private RetainedEvent[] all() {
        if (source != null) {
            for (int i = 0; i < size; i++) {
                get(i);
            }
            return decoded;
        }
        return events;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VisitorState other && Arrays.equals(all(), other.all());
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(all());
    }

    @Override
    public String toString() {
        return "VisitorState" + Arrays.toString(all());
    }
}

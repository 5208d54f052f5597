package io.rebound.core.segment;

import io.rebound.core.event.Event;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * The events one person has retained, in compact form, sorted by event time (then id hash).
 * Immutable: every change returns a new state. Adding an event whose id is already retained
 * returns the same state, and the order in which events are added never matters — so duplicate
 * and late delivery give exactly the state of in-order delivery.
 */
public final class VisitorState {

    public static final VisitorState EMPTY = new VisitorState(new RetainedEvent[0]);

    private final RetainedEvent[] events;

    private VisitorState(RetainedEvent[] sortedDistinct) {
        this.events = sortedDistinct;
    }

    /** A state holding {@code events}, sorted and deduplicated by id hash. */
    public static VisitorState of(Collection<RetainedEvent> events) {
        VisitorState s = EMPTY;
        for (RetainedEvent e : events) {
            s = s.add(e);
        }
        return s;
    }

    /** Fast path for events already in {@link RetainedEvent#ORDER} without duplicates (the codec's output). */
    static VisitorState ofSorted(List<RetainedEvent> events) {
        RetainedEvent[] array = events.toArray(RetainedEvent[]::new);
        // The codec only ever writes a valid state (sorted, one event per id), so checking the order
        // is enough to catch foreign bytes cheaply; anything out of order takes the slow, safe path.
        for (int i = 1; i < array.length; i++) {
            if (RetainedEvent.ORDER.compare(array[i - 1], array[i]) >= 0) {
                return of(events);
            }
        }
        return new VisitorState(array);
    }

    public VisitorState add(Event event) {
        return add(RetainedEvent.of(event));
    }

    /** This state with {@code event} added; this very state when its id is already retained. */
    public VisitorState add(RetainedEvent event) {
        if (contains(event.idHash())) {
            return this;
        }
        int pos = Arrays.binarySearch(events, event, RetainedEvent.ORDER);
        int insert = pos >= 0 ? pos : -pos - 1;
        RetainedEvent[] next = new RetainedEvent[events.length + 1];
        System.arraycopy(events, 0, next, 0, insert);
        next[insert] = event;
        System.arraycopy(events, insert, next, insert + 1, events.length - insert);
        return new VisitorState(next);
    }

    /** Whether an event with this id hash is retained. */
    public boolean contains(long idHash) {
        for (RetainedEvent e : events) {
            if (e.idHash() == idHash) {
                return true;
            }
        }
        return false;
    }

    /** The union of both states, for identity merges; events present in both are kept once. */
    public VisitorState merge(VisitorState other) {
        VisitorState s = this.events.length >= other.events.length ? this : other;
        VisitorState small = s == this ? other : this;
        for (RetainedEvent e : small.events) {
            s = s.add(e);
        }
        return s;
    }

    /** This state without events whose time is before {@code cutoff} (retention). */
    public VisitorState purgeBefore(Instant cutoff) {
        long c = cutoff.toEpochMilli();
        int i = 0;
        while (i < events.length && events[i].timeMillis() < c) {
            i++;
        }
        return i == 0 ? this : new VisitorState(Arrays.copyOfRange(events, i, events.length));
    }

    /** Retained events, oldest first. */
    public List<RetainedEvent> events() {
        return List.of(events);
    }

    public int size() {
        return events.length;
    }

    public boolean isEmpty() {
        return events.length == 0;
    }

    /** Time of the oldest retained event, or null when empty. */
    public Instant oldest() {
        return events.length == 0 ? null : events[0].time();
    }

    RetainedEvent get(int i) {
        return events[i];
    }

    /** Events matching {@code condition}, oldest first. */
    public List<RetainedEvent> matching(EventCondition condition) {
        List<RetainedEvent> out = new ArrayList<>();
        for (RetainedEvent e : events) {
            if (condition.matches(e)) {
                out.add(e);
            }
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VisitorState other && Arrays.equals(events, other.events);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(events);
    }

    @Override
    public String toString() {
        return "VisitorState" + Arrays.toString(events);
    }
}

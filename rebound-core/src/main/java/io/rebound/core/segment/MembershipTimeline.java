package io.rebound.core.segment;

import io.rebound.core.event.EventType;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Membership of one visitor in one segment as a function of time, for a fixed set of events.
 *
 * <p>Each matching event {@code e} counts for a condition with window {@code w} exactly on
 * {@code [e.time, e.time + w)}, so membership is constant between consecutive "breakpoints"
 * (event times and event times plus windows). Everything here — the answer at an instant, the next
 * change, the start of the current run, the transitions in a period — is computed exactly from
 * those breakpoints, in milliseconds. Instants are truncated to milliseconds.
 */
public final class MembershipTimeline {

    /** A change of membership at an exact instant. */
    public record Transition(Instant at, boolean member) {
    }

    /**
     * One event condition with the times of the events it matches, oldest first: {@code indices} into
     * {@code state}, and their values when the condition sums them (null otherwise). A condition on the
     * event type alone is matched without building its events; {@link #event} builds one when a
     * reason names it.
     */
    record Leaf(EventCondition condition, long window, long[] times, BigDecimal[] values, int[] indices,
                VisitorState state) {

        RetainedEvent event(int i) {
            return state.get(indices[i]);
        }

        /** Index of the first event with time >= t. */
        int from(long t) {
            int i = Arrays.binarySearch(times, t);
            if (i < 0) {
                return -i - 1;
            }
            while (i > 0 && times[i - 1] == t) {
                i--;
            }
            return i;
        }

        /** Index after the last event with time <= t. */
        int to(long t) {
            int i = Arrays.binarySearch(times, t);
            if (i < 0) {
                return -i - 1;
            }
            while (i < times.length && times[i] == t) {
                i++;
            }
            return i;
        }
    }

    /**
     * A definition prepared once for evaluating many visitors: its conditions' alternatives as arrays,
     * whether an exclusion counts from the latest include event. Immutable; build with
     * {@link SegmentEvaluator#plan}.
     */
    public static final class Plan {
        final EventCondition[][] include;
        final EventCondition[][] exclude;
        final boolean needsAnchor;

        Plan(SegmentDefinition definition) {
            this.include = leaves(definition.include());
            this.exclude = leaves(definition.exclude());
            this.needsAnchor = Arrays.stream(exclude).flatMap(Arrays::stream).anyMatch(l -> l.since() != null);
        }

        private static EventCondition[][] leaves(List<Condition> conditions) {
            return conditions.stream().map(c -> c.leaves().toArray(EventCondition[]::new)).toArray(EventCondition[][]::new);
        }
    }

    private final Leaf[][] include;
    private final Leaf[][] exclude;
    private final boolean needsAnchor;
    private final long[] breakpoints;

    MembershipTimeline(Plan plan, VisitorState state) {
        this.include = leaves(plan.include, state);
        this.exclude = leaves(plan.exclude, state);
        this.needsAnchor = plan.needsAnchor;
        int total = 0;
        for (Leaf[][] group : new Leaf[][][] {include, exclude}) {
            for (Leaf[] cond : group) {
                for (Leaf leaf : cond) {
                    total += 2 * leaf.times.length;
                }
            }
        }
        long[] points = new long[total];
        int n = 0;
        for (Leaf[][] group : new Leaf[][][] {include, exclude}) {
            for (Leaf[] cond : group) {
                for (Leaf leaf : cond) {
                    for (long t : leaf.times) {
                        points[n++] = t;
                        points[n++] = t + leaf.window;
                    }
                }
            }
        }
        Arrays.sort(points);
        int distinct = 0;
        for (int i = 0; i < n; i++) {
            if (distinct == 0 || points[distinct - 1] != points[i]) {
                points[distinct++] = points[i];
            }
        }
        this.breakpoints = distinct == n ? points : Arrays.copyOf(points, distinct);
    }

    private static Leaf[][] leaves(EventCondition[][] conditions, VisitorState state) {
        Leaf[][] out = new Leaf[conditions.length][];
        for (int i = 0; i < out.length; i++) {
            EventCondition[] leaves = conditions[i];
            out[i] = new Leaf[leaves.length];
            for (int j = 0; j < leaves.length; j++) {
                EventCondition c = leaves[j];
                int[] indices = state.indicesOf(c.type());
                if (c.type() == EventType.CUSTOM || !c.where().isEmpty()) {
                    int[] matching = new int[indices.length];
                    int m = 0;
                    for (int k : indices) {
                        if (c.matches(state.get(k))) {
                            matching[m++] = k;
                        }
                    }
                    indices = Arrays.copyOf(matching, m);
                }
                int n = indices.length;
                long[] times = new long[n];
                BigDecimal[] values = c.sumValueGte() == null ? null : new BigDecimal[n];
                for (int k = 0; k < n; k++) {
                    times[k] = state.timeAt(indices[k]);
                    if (values != null) {
                        values[k] = state.get(indices[k]).value();
                    }
                }
                out[i][j] = new Leaf(c, c.window().millis(), times, values, indices, state);
            }
        }
        return out;
    }

    public boolean memberAt(Instant t) {
        return memberAt(t.toEpochMilli());
    }

    boolean memberAt(long t) {
        for (Leaf[] cond : include) {
            if (holdingLeaf(cond, t, Long.MIN_VALUE) == null) {
                return false;
            }
        }
        long anchor = needsAnchor ? anchor(t) : Long.MIN_VALUE;
        for (Leaf[] cond : exclude) {
            if (holdingLeaf(cond, t, anchor) != null) {
                return false;
            }
        }
        return true;
    }

    /** The earliest instant after {@code t} at which membership differs from membership at {@code t}; null if never. */
    public Instant nextChangeAfter(Instant t) {
        long now = t.toEpochMilli();
        boolean current = memberAt(now);
        for (int i = firstAfter(now); i < breakpoints.length; i++) {
            if (memberAt(breakpoints[i]) != current) {
                return Instant.ofEpochMilli(breakpoints[i]);
            }
        }
        return null;
    }

    /**
     * The instant from which membership has been what it is at {@code t} without interruption;
     * null when it has always been so (never a member).
     */
    public Instant runStart(Instant t) {
        long now = t.toEpochMilli();
        boolean current = memberAt(now);
        int i = firstAfter(now) - 1;
        long start = Long.MIN_VALUE;
        for (; i >= 0; i--) {
            if (memberAt(breakpoints[i]) != current) {
                return Instant.ofEpochMilli(start);
            }
            start = breakpoints[i];
        }
        // Before the first event nobody is a member.
        return current ? Instant.ofEpochMilli(start) : null;
    }

    /** Every change in {@code (after, upTo]}, starting from membership {@code memberAfter}, in time order. */
    public List<Transition> transitions(Instant after, Instant upTo, boolean memberAfter) {
        long end = upTo.toEpochMilli();
        List<Transition> out = new ArrayList<>();
        boolean current = memberAfter;
        for (int i = firstAfter(after.toEpochMilli()); i < breakpoints.length && breakpoints[i] <= end; i++) {
            boolean m = memberAt(breakpoints[i]);
            if (m != current) {
                out.add(new Transition(Instant.ofEpochMilli(breakpoints[i]), m));
                current = m;
            }
        }
        return out;
    }

    /** Human-readable explanation of membership at {@code t}. */
    public String reasonAt(Instant t) {
        return new Reasons(this, t.toEpochMilli()).explain();
    }

    Leaf[][] include() {
        return include;
    }

    Leaf[][] exclude() {
        return exclude;
    }

    /** Time of the latest event qualifying for any include condition at {@code t}. */
    long anchor(long t) {
        long anchor = Long.MIN_VALUE;
        for (Leaf[] cond : include) {
            for (Leaf leaf : cond) {
                int lo = leaf.from(t - leaf.window + 1);
                int hi = leaf.to(t);
                if (hi > lo) {
                    anchor = Math.max(anchor, leaf.times[hi - 1]);
                }
            }
        }
        return anchor;
    }

    /** The first leaf of an (OR) condition that holds at {@code t}, or null. */
    Leaf holdingLeaf(Leaf[] cond, long t, long anchor) {
        for (Leaf leaf : cond) {
            if (holds(leaf, t, anchor)) {
                return leaf;
            }
        }
        return null;
    }

    boolean holds(Leaf leaf, long t, long anchor) {
        EventCondition c = leaf.condition();
        int lo = leaf.from(lower(leaf, t, anchor));
        int n = leaf.to(t) - lo;
        if (n < c.minCount()) {
            return false;
        }
        return c.sumValueGte() == null || sum(leaf, new int[] {lo, lo + n}).compareTo(c.sumValueGte()) >= 0;
    }

    private static long lower(Leaf leaf, long t, long anchor) {
        long lower = t - leaf.window + 1;
        return leaf.condition().since() != null ? Math.max(lower, anchor) : lower;
    }

    /** Indices [lo, hi) of the leaf's events counting at {@code t}. */
    int[] range(Leaf leaf, long t, long anchor) {
        int lo = leaf.from(lower(leaf, t, anchor));
        return new int[] {lo, Math.max(lo, leaf.to(t))};
    }

    static BigDecimal sum(Leaf leaf, int[] range) {
        BigDecimal s = BigDecimal.ZERO;
        for (int i = range[0]; i < range[1]; i++) {
            if (leaf.values[i] != null) {
                s = s.add(leaf.values[i]);
            }
        }
        return s;
    }

    private int firstAfter(long t) {
        int i = Arrays.binarySearch(breakpoints, t);
        return i >= 0 ? i + 1 : -i - 1;
    }
}

package io.rebound.core.segment;

import io.rebound.core.event.EventType;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.ToLongFunction;
import java.util.stream.Stream;

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

        List<String> productIds(int i) {
            return state.productIdsAt(indices[i]);
        }

        /** Index of the first event with time >= t. */
        int from(long t) {
            return firstAtLeast(times, t);
        }

        /** Index after the last event with time <= t. */
        int to(long t) {
            return t == Long.MAX_VALUE ? times.length : firstAtLeast(times, t + 1);
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
        /** The event types the conditions look at, each once. */
        final EventType[] types;
        /** {@link #types} as bits {@code 1 << ordinal}. */
        private final long typeBits;
        /** Leaves of the include and exclude conditions together. */
        final int leafCount;

        Plan(SegmentDefinition definition) {
            this.include = leaves(definition.include());
            this.exclude = leaves(definition.exclude());
            this.types = Stream.of(include, exclude).flatMap(Arrays::stream).flatMap(Arrays::stream)
                    .map(EventCondition::type).distinct().toArray(EventType[]::new);
            this.needsAnchor = Arrays.stream(exclude).flatMap(Arrays::stream).anyMatch(l -> l.since() != null);
            long bits = 0;
            for (EventType t : types) {
                bits |= 1L << t.ordinal();
            }
            this.typeBits = bits;
            this.leafCount = Math.toIntExact(Stream.of(include, exclude).flatMap(Arrays::stream).mapToLong(c -> c.length).sum());
        }

        /**
         * Whether any condition looks at events of {@code type}. When not, membership over a state is the same
         * with or without such events, at every instant.
         */
        public boolean looksAt(EventType type) {
            return (typeBits & (1L << type.ordinal())) != 0;
        }

        /**
         * Whether a person whose retained events have exactly the types in {@code typeMask} (bit
         * {@code 1 << EventType.ordinal()}) could be a member: every include condition needs an event of
         * its type (an {@code any} group, one of its types). False lets a backfill skip the person
         * without decoding their events — unless they are currently a member, who must be re-evaluated.
         */
        public boolean mayMatch(long typeMask) {
            for (EventCondition[] alternatives : include) {
                boolean possible = false;
                for (EventCondition leaf : alternatives) {
                    if ((typeMask & (1L << leaf.type().ordinal())) != 0) {
                        possible = true;
                        break;
                    }
                }
                if (!possible) {
                    return false;
                }
            }
            return true;
        }

        /**
         * Whether {@code state} could make a person a member at any instant at or after {@code t}
         * (epoch millis), as far as can be told from event types and times alone: every include
         * condition needs, for one of its alternatives, at least {@code minCount} events of its type
         * younger than its window at {@code t} (time {@code > t − window}) — an event that counts at
         * some instant {@code ≥ t} must be one of those. Filters, custom names, sums and exclusions are
         * not looked at, so true means "maybe". False is certain: the membership is false at every
         * instant {@code ≥ t}, which lets a backfill leave the person alone without building their events.
         */
        public boolean mayMatchFrom(VisitorState state, long t) {
            for (EventCondition[] alternatives : include) {
                boolean possible = false;
                for (EventCondition leaf : alternatives) {
                    long after = t - leaf.window().millis();
                    int count = 0;
                    for (int i = state.size() - 1; i >= 0 && state.timeAt(i) > after; i--) {
                        if (state.typeAt(i) == leaf.type() && ++count >= leaf.minCount()) {
                            break;
                        }
                    }
                    if (count >= leaf.minCount()) {
                        possible = true;
                        break;
                    }
                }
                if (!possible) {
                    return false;
                }
            }
            return true;
        }

        /**
         * {@link #mayMatchFrom(VisitorState, long)} from the time of the latest retained event of each
         * type alone (epoch millis, {@link Long#MIN_VALUE} for none), as a stored state's header keeps
         * them: the same answer for alternatives that need one event, "maybe" for those that need more
         * ({@code minCount > 1}), which only the events can tell.
         */
        public boolean mayMatchFrom(ToLongFunction<EventType> latest, long t) {
            for (EventCondition[] alternatives : include) {
                boolean possible = false;
                for (EventCondition leaf : alternatives) {
                    if (leaf.minCount() > 1 || latest.applyAsLong(leaf.type()) > t - leaf.window().millis()) {
                        possible = true;
                        break;
                    }
                }
                if (!possible) {
                    return false;
                }
            }
            return true;
        }

        /** Whether {@link #mayMatchFrom(ToLongFunction, long)} is as certain as the events: no alternative counts events. */
        public boolean decidedByLatest() {
            return Arrays.stream(include).flatMap(Arrays::stream).allMatch(l -> l.minCount() == 1);
        }

        private static EventCondition[][] leaves(List<Condition> conditions) {
            return conditions.stream().map(c -> c.leaves().toArray(EventCondition[]::new)).toArray(EventCondition[][]::new);
        }
    }

    private final Leaf[][] include;
    private final Leaf[][] exclude;
    private final boolean needsAnchor;
    /**
     * Sorted runs whose union is the breakpoints: each leaf's event times ({@code run[i]} with offset 0) and
     * their window ends (the same times, offset by the window).
     */
    private final long[][] run;
    private final long[] offset;
    /** Runs with any time in them (a leaf matching no event leaves two empty ones). */
    private int nonEmptyRuns;
    /** Every breakpoint, sorted and distinct: merged from the runs when first asked for. */
    private long[] breakpoints;
    /** The last instant asked about and the answer (the same instant is asked about several times per call). */
    private boolean memoized;
    private long memoAt;
    private boolean memoMember;

    MembershipTimeline(Plan plan, VisitorState state) {
        this.include = leaves(plan.include, state);
        this.exclude = leaves(plan.exclude, state);
        this.needsAnchor = plan.needsAnchor;
        this.run = new long[2 * plan.leafCount][];
        this.offset = new long[2 * plan.leafCount];
        addRuns(addRuns(0, include), exclude);
    }

    /** Each leaf's times and their window ends as two runs, from run {@code r}; returns the next free run. */
    private int addRuns(int r, Leaf[][] conditions) {
        for (Leaf[] cond : conditions) {
            for (Leaf leaf : cond) {
                run[r] = leaf.times;
                run[r + 1] = leaf.times;
                offset[r + 1] = leaf.window;
                r += 2;
                nonEmptyRuns += leaf.times.length > 0 ? 2 : 0;
            }
        }
        return r;
    }

    /** Most sorted runs {@link #allBreakpoints} merges; with more it sorts them. */
    private static final int MAX_MERGED_RUNS = 8;

    /**
     * The instants at which membership may change, sorted and distinct: every event's time and the
     * end of its window. Each leaf's times are sorted (a state's events are), so they and their window
     * ends are two sorted runs: merged in one pass over them, where a sort of a long history's
     * thousand instants took a fifth of the audience writer's time. Only the runs' start and the
     * transitions over a period need them all; the next change after an instant, asked after every
     * event, reads them from there on ({@link Cursor}).
     */
    private long[] allBreakpoints() {
        long[] points = breakpoints;
        if (points != null) {
            return points;
        }
        int n = 0;
        for (long[] times : run) {
            n += times.length;
        }
        points = new long[n];
        int distinct = nonEmptyRuns <= MAX_MERGED_RUNS ? merge(points) : sort(run, offset, points);
        points = distinct == n ? points : Arrays.copyOf(points, distinct);
        breakpoints = points;
        return points;
    }

    /** The breakpoints from an instant on, in order, each once: merged from the runs as they are asked for. */
    private final class Cursor {
        private final int[] next = new int[run.length];
        private boolean started;
        private long last;

        /** Placed before the first breakpoint. */
        Cursor() {
        }

        /** Placed before the first breakpoint at or after {@code from}. */
        Cursor(long from) {
            for (int i = 0; i < run.length; i++) {
                next[i] = firstAtLeast(run[i], from - offset[i]);
            }
        }

        /** Whether a breakpoint is left; {@link #last()} is then that breakpoint. */
        boolean advance() {
            while (true) {
                int from = -1;
                long min = 0;
                for (int i = 0; i < run.length; i++) {
                    if (next[i] < run[i].length) {
                        long v = run[i][next[i]] + offset[i];
                        if (from < 0 || v < min) {
                            from = i;
                            min = v;
                        }
                    }
                }
                if (from < 0) {
                    return false;
                }
                next[from]++;
                if (!started || min != last) {
                    started = true;
                    last = min;
                    return true;
                }
            }
        }

        long last() {
            return last;
        }
    }

    /** Merges the runs into {@code out}, each instant once; returns how many. */
    private int merge(long[] out) {
        Cursor c = new Cursor();
        int distinct = 0;
        while (c.advance()) {
            out[distinct++] = c.last();
        }
        return distinct;
    }

    /** {@link #merge(long[])} by a sort, for many runs. */
    private static int sort(long[][] run, long[] offset, long[] out) {
        int at = 0;
        for (int i = 0; i < run.length; i++) {
            for (long t : run[i]) {
                out[at++] = t + offset[i];
            }
        }
        Arrays.sort(out, 0, at);
        int distinct = 0;
        for (int i = 0; i < at; i++) {
            if (distinct == 0 || out[distinct - 1] != out[i]) {
                out[distinct++] = out[i];
            }
        }
        return distinct;
    }

    private static Leaf[][] leaves(EventCondition[][] conditions, VisitorState state) {
        Leaf[][] out = new Leaf[conditions.length][];
        for (int i = 0; i < out.length; i++) {
            EventCondition[] leaves = conditions[i];
            out[i] = new Leaf[leaves.length];
            for (int j = 0; j < leaves.length; j++) {
                EventCondition c = leaves[j];
                int[] indices = state.indicesOf(c.type());
                long[] times;
                if (c.type() == EventType.CUSTOM || !c.where().isEmpty()) {
                    int[] matching = new int[indices.length];
                    int m = 0;
                    for (int k : indices) {
                        if (c.matches(state.get(k))) {
                            matching[m++] = k;
                        }
                    }
                    indices = Arrays.copyOf(matching, m);
                    times = new long[m];
                    for (int k = 0; k < m; k++) {
                        times[k] = state.timeAt(indices[k]);
                    }
                } else {
                    times = state.timesOf(c.type()); // every event of the type: the state's own array, shared
                }
                BigDecimal[] values = null;
                if (c.sumValueGte() != null) {
                    values = new BigDecimal[indices.length];
                    for (int k = 0; k < indices.length; k++) {
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
        if (memoized && t == memoAt) {
            return memoMember;
        }
        boolean member = evaluate(t);
        memoAt = t;
        memoMember = member;
        memoized = true;
        return member;
    }

    private boolean evaluate(long t) {
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
        if (now == Long.MAX_VALUE) {
            return null;
        }
        boolean current = memberAt(now);
        // A member with many events in the window would otherwise be evaluated at every one's expiry.
        Cursor c = new Cursor(current ? Math.max(now + 1, memberUntil(now)) : now + 1);
        while (c.advance()) {
            if (memberAt(c.last()) != current) {
                return Instant.ofEpochMilli(c.last());
            }
        }
        return null;
    }

    /**
     * For a member at {@code t}: an instant before which they stay one, whatever happens at the breakpoints
     * in between ({@link Long#MIN_VALUE} when that cannot be told this simply). An include condition holds
     * until the youngest {@code minCount} of its events up to {@code t} leave their window (events after
     * {@code t} only add to the count); an exclusion, which does not hold at {@code t}, can only come to
     * hold when one of its events happens. An exclusion counted since the last include (whose start moves
     * as include events expire) or on a sum (a negative value leaving the window raises it) is not told.
     */
    private long memberUntil(long t) {
        if (needsAnchor) {
            return Long.MIN_VALUE;
        }
        long until = Long.MAX_VALUE;
        for (Leaf[] cond : include) {
            long holdsUntil = Long.MIN_VALUE;
            for (Leaf leaf : cond) {
                int[] counting = range(leaf, t, Long.MIN_VALUE);
                int minCount = leaf.condition().minCount();
                if (leaf.condition().sumValueGte() == null && counting[1] - counting[0] >= minCount) {
                    holdsUntil = Math.max(holdsUntil, leaf.times[counting[1] - minCount] + leaf.window);
                }
            }
            until = Math.min(until, holdsUntil);
        }
        for (Leaf[] cond : exclude) {
            for (Leaf leaf : cond) {
                if (leaf.condition().sumValueGte() != null) {
                    return Long.MIN_VALUE;
                }
                int next = leaf.to(t);
                if (next < leaf.times.length) {
                    until = Math.min(until, leaf.times[next]);
                }
            }
        }
        return until;
    }

    /**
     * The instant from which membership has been what it is at {@code t} without interruption;
     * null when it has always been so (never a member).
     */
    public Instant runStart(Instant t) {
        long now = t.toEpochMilli();
        boolean current = memberAt(now);
        long[] breakpoints = allBreakpoints();
        int i = firstAfter(breakpoints, now) - 1;
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
        long[] breakpoints = allBreakpoints();
        int i = firstAfter(breakpoints, after.toEpochMilli());
        for (; i < breakpoints.length && breakpoints[i] <= end; i++) {
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

    /** The instants at which membership may change, sorted and distinct (for tests). */
    long[] breakpoints() {
        return allBreakpoints().clone();
    }

    private static int firstAfter(long[] breakpoints, long t) {
        return t == Long.MAX_VALUE ? breakpoints.length : firstAtLeast(breakpoints, t + 1);
    }

    /** Index of the first element of sorted {@code a} that is {@code >= t} ({@code a.length} when none). */
    private static int firstAtLeast(long[] a, long t) {
        if (a.length <= 16) {
            // A person's events of one kind, or their breakpoints, are few: counting what is below t (the
            // index, as a is sorted) without a data-dependent branch beats a search.
            int below = 0;
            for (long x : a) {
                below += x < t ? 1 : 0;
            }
            return below;
        }
        int lo = 0;
        int hi = a.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (a[mid] < t) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}

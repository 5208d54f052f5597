package io.rebound.core.engine;

import io.rebound.core.engine.MembershipChange.Kind;
import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.core.segment.MembershipTimeline;
import io.rebound.core.segment.MembershipTimeline.Transition;
import io.rebound.core.segment.RetainedEvent;
import io.rebound.core.segment.Segment;
import io.rebound.core.segment.SegmentDefinitions;
import io.rebound.core.segment.SegmentEvaluator;
import io.rebound.core.segment.VisitorState;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * The per-key audience processor: (person state, event | timer | merge | segment change, now) →
 * (new state, membership changes, next timer). Pure and deterministic; every runtime — in-memory,
 * embedded RocksDB, Kafka Streams — drives this same code and only stores what it returns.
 *
 * <p>Exactness. Every call first brings the person up to {@code now} with what was already known:
 * each change that time alone caused since {@code evaluatedAt} is recorded at its exact instant
 * (window end, exclusion ageing out), however late the timer fires. New knowledge (an event, a merge,
 * a segment edit) is then applied; a change it causes is dated at the instant the membership truly
 * changed given everything now known (e.g. the time of a late Purchase), but never before the last
 * recorded change of that segment nor before the segment's definition took effect. Merges are dated
 * at {@code now}: the merged person did not exist before.
 *
 * <p>One instance serves one store's current set of segments; build a new one when segments change.
 */
public final class AudienceProcessor {

    /**
     * What a call produced.
     *
     * @param state     the new person state to store (null after an erasure: delete the key)
     * @param changes   membership changes in time order, to append to the change log
     * @param nextTimer when to call {@link #onTimer} next; null for no timer
     */
    public record Result(PersonState state, List<MembershipChange> changes, Instant nextTimer) {
        public Result {
            changes = List.copyOf(changes);
        }
    }

    /** The order of a call's changes: by instant, then segment. */
    private static final Comparator<MembershipChange> CHANGE_ORDER =
            Comparator.comparing(MembershipChange::at).thenComparing(MembershipChange::segmentId);

    private final String storeId;
    private final List<Segment> segments;
    /** Each segment's definition prepared for evaluation, in the order of {@link #segments}. */
    private final MembershipTimeline.Plan[] plans;
    private final Set<String> segmentIds;
    /** Deleted segment ids; null: every segment not in {@link #segmentIds} is deleted. */
    private final Set<String> deleted;
    /** Each segment's {@link #version}, in the order of {@link #segments}. */
    private final long[] versions;
    /** Each segment's {@code effectiveFrom}, in the order of {@link #versions}. */
    private final Instant[] effectiveFrom;
    /** The latest of {@link #effectiveFrom} (null: no segment), and {@link #evaluatedWith} of any instant after it (nearly every call). */
    private final Instant latestEffective;
    private final long withEvery;
    private final Duration retention;

    /**
     * @param storeId   the store
     * @param segments  the store's segments
     * @param retention how long to keep events; raised to the longest window of any segment
     */
    public AudienceProcessor(String storeId, Collection<Segment> segments, Duration retention) {
        this(storeId, segments, retention, null);
    }

    /**
     * A processor that may not know every segment of the store yet (cluster mode: a node learns of a
     * segment some time after it was created elsewhere): a person's status in a segment that is
     * neither among {@code segments} nor among {@code deletedSegments} is kept as it is — not taken
     * for a deletion — and the segment is evaluated once this node knows it.
     *
     * @param deletedSegments ids of the store's deleted segments; null when every segment not among
     *                        {@code segments} is deleted (a runtime that knows all of a store's segments)
     */
    public AudienceProcessor(String storeId, Collection<Segment> segments, Duration retention,
                             Set<String> deletedSegments) {
        this.deleted = deletedSegments == null ? null : Set.copyOf(deletedSegments);
        this.storeId = Objects.requireNonNull(storeId, "storeId");
        this.segments = segments.stream().sorted(Comparator.comparing(Segment::id)).toList();
        for (Segment s : this.segments) {
            if (!s.storeId().equals(storeId)) {
                throw new IllegalArgumentException("segment " + s.id() + " belongs to store " + s.storeId());
            }
        }
        this.plans = this.segments.stream().map(s -> SegmentEvaluator.plan(s.definition()))
                .toArray(MembershipTimeline.Plan[]::new);
        this.segmentIds = this.segments.stream().map(Segment::id).collect(java.util.stream.Collectors.toUnmodifiableSet());
        this.versions = this.segments.stream().mapToLong(AudienceProcessor::version).toArray();
        this.effectiveFrom = this.segments.stream().map(Segment::effectiveFrom).toArray(Instant[]::new);
        this.latestEffective = Arrays.stream(effectiveFrom).max(Comparator.naturalOrder()).orElse(null);
        this.withEvery = fingerprint(Instant.MAX);
        Duration longest = this.segments.stream().map(s -> s.definition().longestWindow())
                .max(Duration::compareTo).orElse(Duration.ZERO);
        this.retention = longest.compareTo(retention) > 0 ? longest : retention;
    }

    public String storeId() {
        return storeId;
    }

    public List<Segment> segments() {
        return segments;
    }

    /** Effective retention: the configured one or the longest window, whichever is longer. */
    public Duration retention() {
        return retention;
    }

    /** A new event for this person (who may be new: pass {@link PersonState#empty}). Duplicates change nothing. */
    public Result onEvent(PersonState state, Event event, Instant now) {
        if (!event.storeId().equals(storeId)) {
            throw new IllegalArgumentException("event of store " + event.storeId() + " given to store " + storeId);
        }
        Work w = new Work(state, now);
        w.catchUp();
        w.ids = w.ids.with(event);
        VisitorState added = w.visitor.add(event);
        if (added != w.visitor) {
            w.visitor = added;
            AdConsent consent = w.consent;
            w.consent = consent.with(event);
            // The event is new knowledge only for the segments that look at its type, unless it states consent.
            w.applyKnowledge(null, w.consent == consent ? event.type() : null);
        }
        return w.finish();
    }

    /** A timer fired (possibly late, possibly spuriously): records every change due by {@code now}. */
    public Result onTimer(PersonState state, Instant now) {
        Work w = new Work(state, now);
        w.catchUp();
        return w.finish();
    }

    /**
     * After segments were created, edited or deleted (this processor holding the new set): brings
     * the person in line with the new definitions — the per-person step of a backfill.
     */
    public Result backfill(PersonState state, Instant now) {
        return onTimer(state, now);
    }

    /**
     * Two persons turned out to be one. {@code from} is absorbed: its memberships are LEFT at
     * {@code now}; {@code into} gets both histories and ids, and joins at {@code now} what the union
     * qualifies for. The runtime deletes {@code from}'s key and points its ids at {@code into}.
     */
    public Result onMerge(PersonState into, PersonState from, Instant now) {
        Instant at = max(now, max(into.evaluatedAt(), from.evaluatedAt()));
        Work absorbed = new Work(from, at);
        absorbed.catchUp();
        for (Map.Entry<String, SegmentStatus> e : absorbed.statuses.entrySet()) {
            if (e.getValue().member()) {
                absorbed.record(e.getKey(), Kind.LEFT, at, "merged into " + into.personId());
            }
        }
        Work w = new Work(into, at);
        w.catchUp();
        w.changes.addAll(0, absorbed.changes);
        w.ids = w.ids.union(absorbed.ids);
        w.visitor = w.visitor.merge(absorbed.visitor);
        w.consent = w.consent.merge(absorbed.consent);
        w.applyKnowledge(at, null);
        return w.finish();
    }

    /**
     * What a self-check of one person found.
     *
     * @param result     the person brought up to {@code now} and repaired, to store like any other call's
     * @param mismatches the repairs: each a membership the stored state had wrong, given every segment
     *                   definition and retained event (empty when the state was right)
     */
    public record Audit(Result result, List<MembershipChange> mismatches) {
        public Audit {
            mismatches = List.copyOf(mismatches);
        }
    }

    /**
     * The self-check a runtime runs on a sample of persons: brings the person up to {@code now} as a
     * timer would, then evaluates every segment afresh at {@code now} — no shortcut of decision 0003 —
     * and records a change wherever the stored membership differs, dated as new knowledge is. A
     * correct state gives no mismatch; a mismatch is a bug found and repaired.
     */
    public Audit audit(PersonState state, Instant now) {
        Work w = new Work(state, now);
        w.catchUp();
        int before = w.changes.size();
        w.applyKnowledge(null, null);
        List<MembershipChange> repairs = List.copyOf(w.changes.subList(before, w.changes.size()));
        return new Audit(w.finish(), repairs);
    }

    /** A privacy erasure: every membership is LEFT at {@code now}; the state is gone. */
    public Result onErase(PersonState state, Instant now) {
        Work w = new Work(state, now);
        w.statuses.forEach((id, s) -> {
            if (s.member()) {
                w.record(id, Kind.LEFT, w.now, "erased on request");
            }
        });
        w.changes.sort(CHANGE_ORDER);
        return new Result(null, w.changes, null);
    }

    /**
     * What a call at {@code t} evaluates: a fingerprint of the versions of every segment that took
     * effect before {@code t} (the ones it does not treat as new). A call stores it as the person's
     * {@link PersonState#evaluatedWith}; the next call trusts that the person was evaluated with a
     * segment only when the fingerprint it recomputes for the person's {@code evaluatedAt} is the same.
     *
     * <p>Why an instant is not enough: a runtime may learn of a segment after the instant it took
     * effect (cluster mode: every instance and thread learns of it through the segments topic, some
     * milliseconds later), and a call made in between evaluates the person at an instant after the
     * segment took effect without it. Decision 0003's "a segment that took effect before the last
     * evaluation was evaluated then" would then skip it for good.
     */
    public long evaluatedWith(Instant t) {
        return latestEffective == null || latestEffective.isBefore(t) ? withEvery : fingerprint(t);
    }

    private long fingerprint(Instant t) {
        long f = 0x9e3779b97f4a7c15L;
        for (int i = 0; i < versions.length; i++) {
            if (effectiveFrom[i].isBefore(t)) {
                f ^= versions[i];
            }
        }
        return f == PersonState.UNKNOWN ? 1 : f;
    }

    /** A hash of one segment version (id, effective instant, definition) that every JVM computes alike. */
    private static long version(Segment s) {
        return RetainedEvent.hashId(s.id() + '\u0000' + s.effectiveFrom().toEpochMilli() + '\u0000'
                + SegmentDefinitions.canonical(s.definition()));
    }

    private static Instant max(Instant a, Instant b) {
        return a == null ? b : b == null || a.isAfter(b) ? a : b;
    }

    /** The reason recorded when a member leaves because their consent no longer allows retargeting. */
    static final String WITHDRAWN = "advertising consent withdrawn (Global Privacy Control or a denied ad consent signal)";

    /** One call's working copy of a person. */
    private final class Work {
        final String personId;
        final Instant evaluatedAt;
        final Instant timerAt;
        final Instant now;
        /**
         * Whether the last call evaluated every segment that had taken effect by {@code evaluatedAt}
         * (see {@link #evaluatedWith}); when not, each of them is checked at {@code evaluatedAt}.
         */
        final boolean knownSegments;
        /** The person's advertising consent: when it does not allow retargeting, they are in no segment. */
        AdConsent consent;
        PersonIds ids;
        VisitorState visitor;
        /** The person's statuses: the state's own (immutable) map until the first change, then this call's copy. */
        Map<String, SegmentStatus> statuses;
        private boolean statusesCopied;
        final List<MembershipChange> changes = new ArrayList<>();
        /** Per segment (same order), its timeline over {@link #visitor}, built when first asked for. */
        final MembershipTimeline[] timelines = new MembershipTimeline[segments.size()];

        Work(PersonState state, Instant now) {
            if (!state.storeId().equals(storeId)) {
                throw new IllegalArgumentException("person of store " + state.storeId() + " given to store " + storeId);
            }
            this.personId = state.personId();
            this.evaluatedAt = state.evaluatedAt();
            this.timerAt = state.timerAt();
            // Time never runs backwards for a person, whatever clock the runtime has.
            this.now = Instant.ofEpochMilli(max(now, evaluatedAt).toEpochMilli());
            this.ids = state.ids();
            this.visitor = state.visitor();
            this.statuses = state.segments();
            this.knownSegments = evaluatedAt != null && state.evaluatedWith() == evaluatedWith(evaluatedAt);
            this.consent = state.consent();
        }

        MembershipTimeline timeline(int i) {
            MembershipTimeline tl = timelines[i];
            if (tl == null) {
                tl = SegmentEvaluator.timeline(plans[i], visitor);
                timelines[i] = tl;
            }
            return tl;
        }

        /** Records what the passage of time did since {@code evaluatedAt}, at exact instants. */
        void catchUp() {
            if (evaluatedAt != null && !nothingDue()) {
                for (int i = 0; i < segments.size(); i++) {
                    if (quiet(i)) {
                        continue;
                    }
                    Segment s = segments.get(i);
                    boolean member = isMember(s.id());
                    if (!consent.allowed()) {
                        if (member) {
                            record(s.id(), Kind.LEFT, withdrawn(s), WITHDRAWN);
                        }
                        continue;
                    }
                    MembershipTimeline tl = timeline(i);
                    Instant from = evaluatedAt;
                    if (!s.effectiveFrom().isBefore(evaluatedAt)) {
                        // Maybe not yet evaluated under this definition (it took effect at or after the last call):
                        // compare at the instant it took effect. Idempotent when it was.
                        from = s.effectiveFrom().isAfter(now) ? now : s.effectiveFrom();
                        boolean m = tl.memberAt(from);
                        if (m != member) {
                            record(s.id(), m ? Kind.JOINED : Kind.LEFT, from, tl.reasonAt(from));
                            member = m;
                        }
                    } else if (!knownSegments) {
                        // Maybe the last call did not know this segment yet: compare at that call's instant,
                        // dating a change as new knowledge is dated. Idempotent when it did know it.
                        boolean m = tl.memberAt(evaluatedAt);
                        if (m != member) {
                            Instant at = dated(s, tl, evaluatedAt, null);
                            record(s.id(), m ? Kind.JOINED : Kind.LEFT, at, tl.reasonAt(at));
                            member = m;
                        }
                    }
                    for (Transition t : tl.transitions(from, now, member)) {
                        record(s.id(), t.member() ? Kind.JOINED : Kind.LEFT, t.at(), tl.reasonAt(t.at()));
                    }
                }
            }
            dropUnknownSegments();
        }

        /**
         * Whether segment i cannot have changed by time alone since {@code evaluatedAt}: it took effect
         * before then and the last call's timer — the earliest next change of every segment it evaluated
         * — is not due. Its timeline need not be built unless new knowledge arrives, and that timer
         * still bounds its next change (a backfill or a timer in a store with many segments then
         * evaluates only the segments that can have changed).
         */
        private boolean quiet(int i) {
            return knownSegments && (timerAt == null || now.isBefore(timerAt))
                    && segments.get(i).effectiveFrom().isBefore(evaluatedAt);
        }

        /**
         * Nothing can have changed by time alone: the last call's timer is not due, and it was computed
         * for exactly these segment versions (none added or edited since, none deleted).
         */
        private boolean nothingDue() {
            if (!knownSegments || timerAt != null && !now.isBefore(timerAt)) {
                return false;
            }
            for (Segment s : segments) {
                if (!s.effectiveFrom().isBefore(evaluatedAt)) {
                    return false;
                }
            }
            return segmentIds.containsAll(statuses.keySet());
        }

        /**
         * After new knowledge: dates each change at the true instant, within what the log already says.
         * With {@code onlyType}, the knowledge is one event of that type and nothing else: a segment whose
         * conditions do not look at that type keeps its status and its timeline, both already true at
         * {@code now} ({@link #catchUp}), for its timeline is a function of the events of its types alone.
         */
        void applyKnowledge(Instant floorForAll, EventType onlyType) {
            for (int i = 0; i < segments.size(); i++) {
                if (onlyType != null && !plans[i].looksAt(onlyType)) {
                    continue;
                }
                timelines[i] = null;
                Segment s = segments.get(i);
                if (s.effectiveFrom().isAfter(now)) {
                    continue; // not in effect yet (another node's clock): evaluated when it takes effect
                }
                if (!consent.allowed()) {
                    if (isMember(s.id())) {
                        Instant at = max(withdrawn(s), floorForAll);
                        record(s.id(), Kind.LEFT, at.isAfter(now) ? now : at, WITHDRAWN);
                    }
                    continue;
                }
                MembershipTimeline tl = timeline(i);
                boolean m = tl.memberAt(now);
                if (m == isMember(s.id())) {
                    continue;
                }
                // A join waits for the consent that allows it; a leave by the rule is dated by the rule.
                Instant at = dated(s, tl, now, m ? max(floorForAll, consent.at()) : floorForAll);
                record(s.id(), m ? Kind.JOINED : Kind.LEFT, at, tl.reasonAt(at));
            }
        }

        /**
         * When a member of {@code s} left for a denied consent: the instant they denied, but never
         * before the segment's last recorded change, nor after now.
         */
        private Instant withdrawn(Segment s) {
            SegmentStatus status = statuses.get(s.id());
            Instant at = max(consent.at(), status == null ? null : status.since());
            return at == null || at.isAfter(now) ? now : at;
        }

        /**
         * When a change found at {@code t} truly happened: where the run holding {@code t} began, but
         * never before the segment's last recorded change, the instant it took effect or {@code floor},
         * nor after {@code t}.
         */
        private Instant dated(Segment s, MembershipTimeline tl, Instant t, Instant floor) {
            SegmentStatus status = statuses.get(s.id());
            Instant at = max(tl.runStart(t), max(max(status == null ? null : status.since(), s.effectiveFrom()), floor));
            return at.isAfter(t) ? t : at;
        }

        boolean isMember(String segmentId) {
            SegmentStatus s = statuses.get(segmentId);
            return s != null && s.member();
        }

        void record(String segmentId, Kind kind, Instant at, String reason) {
            changeableStatuses().put(segmentId, new SegmentStatus(kind == Kind.JOINED, at));
            changes.add(new MembershipChange(storeId, segmentId, personId, kind, at, reason));
        }

        /** Most calls change no status: the person's map is copied only when one does. */
        private Map<String, SegmentStatus> changeableStatuses() {
            if (!statusesCopied) {
                statuses = new TreeMap<>(statuses);
                statusesCopied = true;
            }
            return statuses;
        }

        private boolean isDeleted(String segmentId) {
            return !segmentIds.contains(segmentId) && (deleted == null || deleted.contains(segmentId));
        }

        private void dropUnknownSegments() {
            if (statuses.isEmpty()) {
                return;
            }
            Instant forgetBefore = now.minus(retention);
            List<String> drop = null;
            for (Map.Entry<String, SegmentStatus> e : statuses.entrySet()) {
                SegmentStatus s = e.getValue();
                if (isDeleted(e.getKey()) || !s.member() && s.since().isBefore(forgetBefore)) {
                    drop = drop == null ? new ArrayList<>() : drop;
                    drop.add(e.getKey());
                }
            }
            for (String id : drop == null ? List.<String>of() : drop) {
                if (isDeleted(id) && statuses.get(id).member()) {
                    record(id, Kind.LEFT, now, "segment deleted");
                }
                changeableStatuses().remove(id);
            }
        }

        Result finish() {
            Instant next = null;
            for (int i = 0; i < segments.size(); i++) {
                Segment s = segments.get(i);
                next = min(next, s.effectiveFrom().isAfter(now) ? s.effectiveFrom()
                        : !consent.allowed() ? null // no membership until a new statement, which is new knowledge
                        : timelines[i] == null && quiet(i) ? timerAt : timeline(i).nextChangeAfter(now));
            }
            visitor = visitor.purgeBefore(now.minus(retention));
            if (!visitor.isEmpty()) {
                // Wake up to purge the oldest event when retention ends, even if no segment needs it.
                next = min(next, visitor.oldest().plus(retention).plusMillis(1));
            }
            // Timers are kept to the millisecond (the state codec, both runtimes' timer indexes). Rounded down, a
            // timer at 10:00:00.000400 would fire at 10:00:00.000 and find nothing due yet, set itself again to
            // the same millisecond and fire again at once, forever: rounded up it fires at most 1 ms late. The
            // changes it records keep their exact instants (the timeline's, not the timer's).
            next = ceilToMillis(next);
            changes.sort(CHANGE_ORDER);
            // A copy made for this call's changes is this call's alone: the state takes it without another copy.
            Map<String, SegmentStatus> kept = statusesCopied && statuses instanceof TreeMap<String, SegmentStatus> t
                    ? PersonState.sealed(t) : statuses;
            PersonState state = new PersonState(storeId, personId, ids, visitor, kept, now, next, evaluatedWith(now),
                    consent);
            return new Result(state, changes, next);
        }

        private static Instant ceilToMillis(Instant t) {
            return t == null || t.getNano() % 1_000_000 == 0 ? t
                    : Instant.ofEpochMilli(t.toEpochMilli()).plusMillis(1);
        }

        private Instant min(Instant a, Instant b) {
            return a == null ? b : b == null || b.isAfter(a) ? a : b;
        }
    }
}

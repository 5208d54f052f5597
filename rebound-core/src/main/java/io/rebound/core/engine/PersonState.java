package io.rebound.core.engine;

import io.rebound.core.segment.VisitorState;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Everything the engine keeps per person — the value a runtime stores under key (store, person)
 * and encodes with {@link PersonStateCodec}.
 *
 * @param storeId     store
 * @param personId    person id, stable for the person's life (absorbed persons disappear)
 * @param ids         linked identifiers
 * @param visitor     retained events
 * @param segments    segment id → last recorded status (members and recent leavers)
 * @param evaluatedAt the instant through which memberships have been brought up to date; null when never
 * @param timerAt     the instant the person's timer is due (what the last call returned as next timer);
 *                    null for none. A runtime can rebuild its timer index from this after a crash.
 * @param evaluatedWith which segment versions the memberships were brought up to date with at
 *                    {@code evaluatedAt}: {@link AudienceProcessor}'s fingerprint of every segment that
 *                    had taken effect by then; {@link #UNKNOWN} when not known (a state written before
 *                    it was kept), which makes the next call evaluate every segment
 * @param consent     the person's advertising consent as their events stated it
 */
public record PersonState(String storeId, String personId, PersonIds ids, VisitorState visitor,
                          Map<String, SegmentStatus> segments, Instant evaluatedAt, Instant timerAt,
                          long evaluatedWith, AdConsent consent) {

    /** {@link #evaluatedWith} of a state that does not say which segments it was evaluated with. */
    public static final long UNKNOWN = 0;

    public PersonState {
        Objects.requireNonNull(storeId, "storeId");
        Objects.requireNonNull(personId, "personId");
        ids = ids == null ? PersonIds.NONE : ids;
        visitor = visitor == null ? VisitorState.EMPTY : visitor;
        consent = consent == null ? AdConsent.UNSTATED : consent;
        segments = segments == null || segments.isEmpty() ? Map.of()
                : segments.getClass() == SORTED_STATUSES ? segments
                : segments.size() == 1 ? Map.copyOf(segments)
                : sealed(new TreeMap<>(segments));
    }

    /**
     * The class of the sorted, unmodifiable maps of statuses this record holds ({@link #sealed}): one of them,
     * made here or by the codec from a map of its own, is taken as it is. A state is built several times per
     * event (decoded, then with new statuses, ids, events) and copying its statuses each time was a twentieth
     * of the audience writer's time.
     */
    private static final Class<?> SORTED_STATUSES =
            java.util.Collections.unmodifiableSortedMap(new TreeMap<>()).getClass();

    /** {@code fresh}, which nothing else holds, as statuses a state takes without a copy. */
    static Map<String, SegmentStatus> sealed(TreeMap<String, SegmentStatus> fresh) {
        return java.util.Collections.unmodifiableSortedMap(fresh);
    }

    /** A state that does not say which segment versions it was evaluated with ({@link #UNKNOWN}). */
    public PersonState(String storeId, String personId, PersonIds ids, VisitorState visitor,
                       Map<String, SegmentStatus> segments, Instant evaluatedAt, Instant timerAt) {
        this(storeId, personId, ids, visitor, segments, evaluatedAt, timerAt, UNKNOWN, AdConsent.UNSTATED);
    }

    /** A state with no stated consent. */
    public PersonState(String storeId, String personId, PersonIds ids, VisitorState visitor,
                       Map<String, SegmentStatus> segments, Instant evaluatedAt, Instant timerAt, long evaluatedWith) {
        this(storeId, personId, ids, visitor, segments, evaluatedAt, timerAt, evaluatedWith, AdConsent.UNSTATED);
    }

    /** A person nothing is known about yet. */
    public static PersonState empty(String storeId, String personId) {
        return new PersonState(storeId, personId, PersonIds.NONE, VisitorState.EMPTY, Map.of(), null, null);
    }

    /**
     * Whether the state holds nothing worth keeping: no retained event and no segment status. A
     * runtime's retention pass then deletes it and unlinks its ids, so that nothing of the person
     * outlives the store's retention; what it knew returns with the person's next event.
     */
    public boolean vacant() {
        return segments.isEmpty() && visitor.isEmpty();
    }

    /** Current memberships: segment id → joined-at. */
    public Map<String, Instant> memberships() {
        Map<String, Instant> out = new TreeMap<>();
        segments.forEach((id, s) -> {
            if (s.member()) {
                out.put(id, s.since());
            }
        });
        return out;
    }

    public PersonState withIds(PersonIds newIds) {
        return new PersonState(storeId, personId, newIds, visitor, segments, evaluatedAt, timerAt, evaluatedWith, consent);
    }

    public PersonState withVisitor(VisitorState newVisitor) {
        return new PersonState(storeId, personId, ids, newVisitor, segments, evaluatedAt, timerAt, evaluatedWith, consent);
    }
}

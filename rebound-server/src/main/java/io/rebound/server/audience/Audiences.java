package io.rebound.server.audience;

import io.rebound.core.engine.PersonState;
import io.rebound.core.event.Event;
import io.rebound.core.segment.Evaluation;
import io.rebound.core.segment.SegmentDefinition;
import io.rebound.core.segment.SegmentEvaluator;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * The audiences port: everything the HTTP API and the dashboard know of audiences — segment
 * definitions with their backfill, members, the change log, sizes ({@link #reader()}), a visitor's
 * memberships with their reasons and end times, the visitor's timeline, privacy erasure and
 * readiness. The embedded server ({@link EmbeddedAudiences}) and cluster mode
 * ({@code io.rebound.server.cluster.ClusterAudiences}) implement it, and both pass the same contract
 * suite ({@code AudiencesContract}).
 */
public interface Audiences {

    /** Creates or replaces a segment effective now; it is {@code building} until its backfill finished. */
    SegmentRecord putSegment(String storeId, String segmentId, SegmentDefinition definition, String template);

    /** A new segment with a fresh id. */
    SegmentRecord createSegment(String storeId, SegmentDefinition definition, String template);

    /** Deletes a segment; false when it did not exist. */
    boolean deleteSegment(String storeId, String segmentId);

    /** A store's segments, oldest first. */
    List<SegmentRecord> segments(String storeId);

    Optional<SegmentRecord> segment(String storeId, String segmentId);

    /** Progress of the segment's backfill ({@code percent} 100 when none runs). */
    BackfillJob.Progress progress(String storeId, String segmentId);

    /** Reads over committed state: sizes, members, the change log, size history, identities. */
    AudienceView reader();

    /**
     * Waits (up to {@code timeoutMillis}) until events acknowledged before the call are reflected in
     * {@link #reader()}; false on timeout or where the runtime cannot tell (cluster mode).
     */
    boolean awaitCaughtUp(long timeoutMillis) throws InterruptedException;

    Clock clock();

    /**
     * A visitor's stored events, oldest first, at most {@code limit}; empty when this runtime keeps
     * no per-visitor events (cluster mode: they are in the events topic only).
     */
    Optional<List<Event>> timeline(String storeId, String visitorId, int limit);

    /**
     * A visitor's latest kept event (by event time), as stored now; empty when none is kept or where the
     * runtime keeps no per-visitor events. The default reads the whole timeline: runtimes override it.
     */
    default Optional<Event> latestEvent(String storeId, String visitorId) {
        return timeline(storeId, visitorId, 10_000).flatMap(l -> l.isEmpty() ? Optional.empty() : Optional.of(l.getLast()));
    }

    /**
     * Privacy erasure of the person a visitor id belongs to: state, every linked id, memberships (they
     * leave now, reason {@code erased}) and, where the runtime keeps them, stored events. Idempotent.
     */
    Erasure erase(String storeId, String visitorId) throws InterruptedException;

    /** The runtime cannot take the request now (a broker down, say): the caller may send it again. */
    final class Unavailable extends RuntimeException {
        public Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Told of every erasure (store, every id of the person), e.g. to forget them in in-memory views. */
    void onErasure(BiConsumer<String, Set<String>> listener);

    /**
     * Told of every erasure of a known person with the person's id and email hashes as they were
     * before it: what tables keyed by person or email hash (the email flows', the campaigns' codes)
     * erase by. Called after the person's state is erased, on the erasing thread.
     */
    void onPersonErased(PersonErasureListener listener);

    /** See {@link #onPersonErased}. */
    @FunctionalInterface
    interface PersonErasureListener {
        void erased(String storeId, String personId, Set<String> emailHashes);
    }

    /**
     * What an erasure did.
     *
     * @param status        {@code erased} (done), {@code erasing} (accepted; the rest follows within
     *                      seconds) or {@code nothing_to_erase}
     * @param personId      the person erased (null when none was found)
     * @param visitorIds    every id of the person, where the runtime knows them now (else the one asked for)
     * @param eventsRemoved stored events removed so far
     * @param complete      whether nothing of the person remains to be removed
     * @param segmentsLeft  the segments the person left
     */
    record Erasure(String status, String personId, Set<String> visitorIds, int eventsRemoved, boolean complete,
                   List<String> segmentsLeft) {
        public Erasure {
            visitorIds = Set.copyOf(visitorIds);
            segmentsLeft = List.copyOf(segmentsLeft);
        }
    }

    /**
     * A visitor's current memberships, each with its segment's name and, where the runtime can read
     * the person's state, why the person is in it and when that ends.
     */
    default VisitorMemberships visitor(String storeId, String visitorId) {
        Instant now = clock().instant();
        Optional<String> personId = reader().personOf(storeId, visitorId);
        Optional<PersonState> person = personId.flatMap(p -> reader().person(storeId, p));
        Map<String, Instant> joined = person.map(PersonState::memberships)
                .orElseGet(() -> personId.map(p -> reader().memberships(storeId, p)).orElse(Map.of()));
        List<VisitorMemberships.Membership> out = new ArrayList<>();
        joined.forEach((segmentId, at) -> {
            Optional<SegmentRecord> s = segment(storeId, segmentId);
            Evaluation e = s.isEmpty() || person.isEmpty() ? null
                    : SegmentEvaluator.evaluate(s.get().definition(), person.get().visitor(), now);
            out.add(new VisitorMemberships.Membership(segmentId, s.map(x -> x.definition().name()).orElse(null), at,
                    e == null ? null : e.reason(), e != null && e.member() ? e.nextChange() : null));
        });
        return new VisitorMemberships(storeId, visitorId, personId.orElse(null), out);
    }

    /**
     * @param personId    the person the visitor id belongs to (null: unknown)
     * @param memberships current memberships, by segment id
     */
    record VisitorMemberships(String storeId, String visitorId, String personId, List<Membership> memberships) {
        public VisitorMemberships {
            memberships = List.copyOf(memberships);
        }

        /**
         * @param name   the segment's name (null if it was deleted meanwhile)
         * @param reason why the person is a member (null where the runtime cannot read the person's state)
         * @param endsAt when the membership ends unless something happens first (null: not scheduled, or unknown)
         */
        public record Membership(String segmentId, String name, Instant joinedAt, String reason, Instant endsAt) {
        }
    }
}

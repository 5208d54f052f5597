package io.rebound.server.audience;

import io.rebound.core.engine.MembershipTable.LoggedChange;
import io.rebound.core.engine.PersonIds;
import io.rebound.core.engine.PersonState;
import io.rebound.core.event.EventType;
import io.rebound.core.segment.RetainedEvent;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Read-only queries over committed audience state, as the segment API needs them: the embedded
 * runtime answers from its RocksDB ({@link AudienceReader}), cluster mode from the memberships
 * materialised in PostgreSQL ({@code io.rebound.server.cluster.ClusterAudienceView}). Safe to call
 * from any thread.
 */
public interface AudienceView {

    /** Current member count of a segment. */
    long size(String storeId, String segmentId);

    /** Whether a person is a member of a segment now. */
    boolean isMember(String storeId, String segmentId, String personId);

    /** Members in person-id order, after {@code afterPerson} (null: from the start), at most {@code limit}. */
    List<AudienceReader.Member> members(String storeId, String segmentId, String afterPerson, int limit);

    /** Change-log entries of a segment with sequence greater than {@code after}, oldest first. */
    List<LoggedChange> changes(String storeId, String segmentId, long after, int limit);

    /** The latest {@code limit} size samples, oldest first. */
    List<AudienceReader.SizeSample> sizes(String storeId, String segmentId, int limit);

    /** The person an anonymous id (or else a user id) belongs to. */
    Optional<String> personOf(String storeId, String visitorId);

    /** A person's whole state, where the runtime can read it (empty in cluster mode: it lives in the Streams tasks). */
    Optional<PersonState> person(String storeId, String personId);

    /**
     * The segment's members by whole days since their qualifying action, {@code 0 … days − 1} and
     * "{@code days} or more", over every member or, for a segment larger than {@code sampleSize}, an
     * even sample of {@code sampleSize}. Empty where the runtime cannot read person states (cluster
     * mode: they live in the Streams tasks).
     */
    Optional<Recency> recency(SegmentRecord segment, int days, int sampleSize, Instant now);

    /** Distinct visitor ids (anonymous id, else user id) with an event whose event time is in {@code (now − 30 d, now]}. */
    long uniqueVisitors30d(String storeId, Instant now);

    /** The ids linked to a person (empty when unknown). */
    default PersonIds ids(String storeId, String personId) {
        return person(storeId, personId).map(PersonState::ids).orElse(PersonIds.NONE);
    }

    /**
     * When the person last bought (the latest Purchase among their kept events), or empty: the
     * conversion that stops a campaign's touches and offers. The embedded runtime reads it from the
     * person's state; cluster mode, where that state lives in the Streams tasks, from the events
     * materialised in PostgreSQL.
     */
    default Optional<Instant> lastPurchase(String storeId, String personId) {
        return person(storeId, personId).map(AudienceView::lastPurchase);
    }

    /** The latest Purchase among the events {@code s} keeps, or null. */
    static Instant lastPurchase(PersonState s) {
        long latest = Long.MIN_VALUE;
        for (RetainedEvent e : s.visitor().events()) {
            if (e.type() == EventType.PURCHASE && e.timeMillis() > latest) {
                latest = e.timeMillis();
            }
        }
        return latest == Long.MIN_VALUE ? null : Instant.ofEpochMilli(latest);
    }

    /** A person's current memberships: segment id → joined-at. */
    default Map<String, Instant> memberships(String storeId, String personId) {
        return person(storeId, personId).map(PersonState::memberships).orElse(Map.of());
    }
}

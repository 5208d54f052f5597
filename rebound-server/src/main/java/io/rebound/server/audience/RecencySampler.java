package io.rebound.server.audience;

import io.rebound.core.engine.PersonStateCodec;
import io.rebound.core.segment.QualifyingAction;
import io.rebound.server.runtime.RocksDatabase;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Counts a segment's members by whole days since their qualifying action, for the dashboard's
 * recency chart. The rule — which action, which event — is the core's {@link QualifyingAction};
 * this reads what it needs: members picked from the in-memory members index (every one, or an even
 * sample of {@code sampleSize}, see {@link MemberIndex#sample}) and their person states from
 * RocksDB, one read each. So the cost is bounded by the sample, not the segment: one pass over the
 * segment's set in memory and at most {@code sampleSize} reads.
 *
 * <p>Members and person states are read as they are committed, not from one snapshot: a person who
 * leaves between the two reads (or is erased) has no qualifying action in the window any more and
 * is looked at but not counted ({@link Recency#counted()}).
 */
record RecencySampler(RocksDatabase rocks, MemberIndex members) {
    private static final long DAY_MILLIS = 86_400_000L;

    Recency count(SegmentRecord segment, int days, int sampleSize, Instant now) {
        if (days < 1) {
            throw new IllegalArgumentException("days must be at least 1");
        }
        QualifyingAction action = QualifyingAction.of(segment.definition());
        MemberIndex.Sample sample = members.sample(segment.storeId(), segment.id(), sampleSize);
        long[] counts = new long[days + 1];
        long t = now.toEpochMilli();
        for (String person : sample.personIds()) {
            byte[] bytes = rocks.get(AudienceColumns.PERSONS, AudienceKeys.person(segment.storeId(), person));
            Optional<Instant> latest = bytes == null ? Optional.empty()
                    : action.latest(PersonStateCodec.decode(bytes).visitor(), now);
            latest.ifPresent(at -> counts[(int) Math.min(days, (t - at.toEpochMilli()) / DAY_MILLIS)]++);
        }
        List<Long> out = new ArrayList<>(counts.length);
        for (long c : counts) {
            out.add(c);
        }
        return new Recency(action.name(), out, sample.personIds().size(), sample.size());
    }
}

package io.rebound.server.audience;

import io.rebound.core.engine.MembershipTable.LoggedChange;
import io.rebound.core.engine.PersonIds;
import io.rebound.core.engine.PersonState;
import io.rebound.core.engine.PersonStateCodec;
import io.rebound.server.runtime.Keys;
import io.rebound.server.runtime.RocksDatabase;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiPredicate;

/**
 * Queries over the audience runtime's committed state, from any thread (API workers): members
 * pages, the change feed, size history, a visitor's person, members by days since their qualifying
 * action ({@link RecencySampler}), and the 30-day unique-visitor count (a scan of one store's
 * activity keys, cached for a minute).
 */
public final class AudienceReader implements AudienceView {
    private static final long VISITOR_CACHE_NANOS = Duration.ofMinutes(1).toNanos();

    /** A member: person id and the instant they joined. */
    public record Member(String personId, Instant joinedAt) {
    }

    /** A size sample. */
    public record SizeSample(Instant at, long size) {
    }

    private record Cached(long value, long computedNanos) {
    }

    private final RocksDatabase rocks;
    private final MemberIndex members;
    private final RecencySampler recency;
    private final Map<String, Cached> visitors = new ConcurrentHashMap<>();

    AudienceReader(RocksDatabase rocks, MemberIndex members) {
        this.rocks = rocks;
        this.members = members;
        this.recency = new RecencySampler(rocks, members);
    }

    /** Current member count of a segment. */
    public long size(String storeId, String segmentId) {
        return AudienceKeys.i64(rocks.get(AudienceColumns.COUNTS, AudienceKeys.segment(storeId, segmentId)));
    }

    /** Whether a person is a member of a segment now: a look-up in the in-memory copy of the members index. */
    public boolean isMember(String storeId, String segmentId, String personId) {
        return members.contains(storeId, segmentId, personId);
    }

    /** Members in person-id order, after {@code afterPerson} (null: from the start), at most {@code limit}. */
    public List<Member> members(String storeId, String segmentId, String afterPerson, int limit) {
        List<Member> out = new ArrayList<>();
        byte[] prefix = AudienceKeys.segment(storeId, segmentId);
        byte[] from = afterPerson == null ? prefix : AudienceKeys.member(storeId, segmentId, afterPerson);
        scan(AudienceColumns.MEMBERS, prefix, from, (k, v) -> {
            AudienceKeys.Reader r = new AudienceKeys.Reader(k);
            r.str();
            r.str();
            String person = r.str();
            if (!person.equals(afterPerson)) {
                out.add(new Member(person, Instant.ofEpochMilli(AudienceKeys.i64(v))));
            }
            return out.size() < limit;
        });
        return out;
    }

    /** Change-log entries of a segment with sequence greater than {@code after}, oldest first. */
    public List<LoggedChange> changes(String storeId, String segmentId, long after, int limit) {
        List<LoggedChange> out = new ArrayList<>();
        byte[] prefix = AudienceKeys.segment(storeId, segmentId);
        scan(AudienceColumns.CHANGES, prefix, AudienceKeys.change(storeId, segmentId, Math.max(0, after) + 1), (k, v) -> {
            out.add(AudienceKeys.decodeChange(k, v));
            return out.size() < limit;
        });
        return out;
    }

    /** The latest {@code limit} size samples, oldest first. */
    public List<SizeSample> sizes(String storeId, String segmentId, int limit) {
        List<SizeSample> all = new ArrayList<>();
        byte[] prefix = AudienceKeys.segment(storeId, segmentId);
        scan(AudienceColumns.SIZES, prefix, prefix, (k, v) -> {
            AudienceKeys.Reader r = new AudienceKeys.Reader(k);
            r.str();
            r.str();
            all.add(new SizeSample(Instant.ofEpochMilli(r.i64()), AudienceKeys.i64(v)));
            return true;
        });
        return all.size() <= limit ? all : all.subList(all.size() - limit, all.size());
    }

    /** The person an anonymous id (or else a user id) belongs to. */
    public Optional<String> personOf(String storeId, String visitorId) {
        byte[] p = rocks.get(AudienceColumns.IDENTITIES, AudienceKeys.identity(storeId, PersonIds.anonymousKey(visitorId)));
        if (p == null) {
            p = rocks.get(AudienceColumns.IDENTITIES, AudienceKeys.identity(storeId, PersonIds.userKey(visitorId)));
        }
        return Optional.ofNullable(p).map(b -> new String(b, StandardCharsets.UTF_8));
    }

    public Optional<PersonState> person(String storeId, String personId) {
        byte[] b = rocks.get(AudienceColumns.PERSONS, AudienceKeys.person(storeId, personId));
        return Optional.ofNullable(b).map(PersonStateCodec::decode);
    }

    @Override
    public Optional<Recency> recency(SegmentRecord segment, int days, int sampleSize, Instant now) {
        return Optional.of(recency.count(segment, days, sampleSize, now));
    }

    /** Distinct visitor ids with an event in {@code (now − 30 d, now]}; recomputed at most once a minute per store. */
    public long uniqueVisitors30d(String storeId, Instant now) {
        Cached c = visitors.get(storeId);
        long t = System.nanoTime();
        if (c != null && t - c.computedNanos < VISITOR_CACHE_NANOS) {
            return c.value;
        }
        long since = now.minus(RetentionSweep.ACTIVITY_WINDOW).toEpochMilli();
        long[] n = new long[1];
        byte[] prefix = AudienceKeys.store(storeId);
        scan(AudienceColumns.ACTIVITY, prefix, prefix, (k, v) -> {
            if (AudienceKeys.i64(v) > since) {
                n[0]++;
            }
            return true;
        });
        visitors.put(storeId, new Cached(n[0], t));
        return n[0];
    }

    private void scan(String family, byte[] prefix, byte[] from, BiPredicate<byte[], byte[]> visitor) {
        try (Slice upper = new Slice(Keys.prefixEnd(prefix));
             ReadOptions ro = new ReadOptions().setIterateUpperBound(upper);
             RocksIterator it = rocks.db().newIterator(rocks.family(family), ro)) {
            for (it.seek(from); it.isValid(); it.next()) {
                if (!visitor.test(it.key(), it.value())) {
                    break;
                }
            }
        }
    }
}

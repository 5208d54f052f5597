package io.rebound.server.cluster;

import io.rebound.core.engine.MembershipChange;
import io.rebound.core.engine.MembershipTable.LoggedChange;
import io.rebound.core.engine.PersonIds;
import io.rebound.core.engine.PersonState;
import io.rebound.core.event.Event;
import io.rebound.core.event.EventType;
import io.rebound.kafka.EventSerde;
import io.rebound.server.audience.AudienceReader;
import io.rebound.server.audience.AudienceView;
import io.rebound.server.audience.Recency;
import io.rebound.server.audience.SegmentRecord;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The segment API's reads in cluster mode: the tables {@link ClusterSink} materialises in
 * PostgreSQL, identical on every node. A person's whole state is not here (it lives in the Streams
 * tasks), so {@link #person} and {@link #recency} are empty and ids and memberships come from their
 * own tables.
 */
public final class ClusterAudienceView implements AudienceView {
    private final DataSource db;

    public ClusterAudienceView(DataSource db) {
        this.db = db;
    }

    @Override
    public long size(String storeId, String segmentId) {
        return query("SELECT size FROM cluster_segment_counts WHERE store_id = ? AND segment_id = ?",
                rs -> rs.next() ? rs.getLong(1) : 0L, storeId, segmentId);
    }

    @Override
    public boolean isMember(String storeId, String segmentId, String personId) {
        return query("SELECT 1 FROM cluster_memberships WHERE store_id = ? AND segment_id = ? AND person_id = ?",
                ResultSet::next, storeId, segmentId, personId);
    }

    @Override
    public List<AudienceReader.Member> members(String storeId, String segmentId, String afterPerson, int limit) {
        return query("SELECT person_id, joined_at FROM cluster_memberships WHERE store_id = ? AND segment_id = ? "
                + "AND person_id > ? ORDER BY person_id LIMIT " + limit, rs -> {
                    List<AudienceReader.Member> out = new ArrayList<>();
                    while (rs.next()) {
                        out.add(new AudienceReader.Member(rs.getString(1), instant(rs, 2)));
                    }
                    return out;
                }, storeId, segmentId, afterPerson == null ? "" : afterPerson);
    }

    @Override
    public List<LoggedChange> changes(String storeId, String segmentId, long after, int limit) {
        return query("SELECT seq, person_id, kind, changed_at, reason FROM cluster_membership_changes "
                + "WHERE store_id = ? AND segment_id = ? AND seq > ? ORDER BY seq LIMIT " + limit, rs -> {
                    List<LoggedChange> out = new ArrayList<>();
                    while (rs.next()) {
                        out.add(new LoggedChange(rs.getLong(1), new MembershipChange(storeId, segmentId, rs.getString(2),
                                "joined".equals(rs.getString(3)) ? MembershipChange.Kind.JOINED : MembershipChange.Kind.LEFT,
                                instant(rs, 4), rs.getString(5))));
                    }
                    return out;
                }, storeId, segmentId, Math.max(0, after));
    }

    @Override
    public List<AudienceReader.SizeSample> sizes(String storeId, String segmentId, int limit) {
        List<AudienceReader.SizeSample> out = query("SELECT sampled_at, size FROM cluster_segment_sizes "
                + "WHERE store_id = ? AND segment_id = ? ORDER BY sampled_at DESC LIMIT " + limit, rs -> {
                    List<AudienceReader.SizeSample> l = new ArrayList<>();
                    while (rs.next()) {
                        l.add(new AudienceReader.SizeSample(instant(rs, 1), rs.getLong(2)));
                    }
                    return l;
                }, storeId, segmentId);
        Collections.reverse(out);
        return out;
    }

    @Override
    public Optional<String> personOf(String storeId, String visitorId) {
        for (String key : List.of(PersonIds.anonymousKey(visitorId), PersonIds.userKey(visitorId))) {
            String p = query("SELECT person_id FROM cluster_identities WHERE store_id = ? AND id_key = ?",
                    rs -> rs.next() ? rs.getString(1) : null, storeId, key);
            if (p != null) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    @Override
    public Optional<PersonState> person(String storeId, String personId) {
        return Optional.empty();
    }

    /** Not available yet: the qualifying actions are in the person states, which are not in PostgreSQL. */
    @Override
    public Optional<Recency> recency(SegmentRecord segment, int days, int sampleSize, Instant now) {
        return Optional.empty();
    }

    /**
     * The embedded server's definition, exactly: distinct visitor ids (the anonymous id, or the user id
     * when none was sent) with an event whose event time is in the last 30 days, from the stored
     * events; cached 10 s per store (a dashboard refresh is not a full count each time).
     */
    @Override
    public long uniqueVisitors30d(String storeId, Instant now) {
        long t = System.nanoTime();
        Cached c = visitors.get(storeId);
        if (c != null && t - c.at() < VISITORS_CACHE_NANOS) {
            return c.value();
        }
        long n = query("SELECT COUNT(DISTINCT visitor_id) FROM cluster_visitor_events WHERE store_id = ? AND event_time > ?",
                rs -> rs.next() ? rs.getLong(1) : 0L, storeId, now.minus(Duration.ofDays(30)).atOffset(ZoneOffset.UTC));
        visitors.put(storeId, new Cached(n, t));
        return n;
    }

    private record Cached(long value, long at) {
    }

    private static final long VISITORS_CACHE_NANOS = Duration.ofSeconds(10).toNanos();
    private final Map<String, Cached> visitors = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * The person's identity keys, with Google's digest of each email that has one (decision 0022):
     * what list sync and membership events read in cluster mode, as the embedded server reads the
     * person state's ids.
     */
    @Override
    public PersonIds ids(String storeId, String personId) {
        return query("SELECT i.id_key, g.google_email_hash FROM cluster_identities i LEFT JOIN cluster_google_emails g "
                + "ON g.store_id = i.store_id AND g.id_key = i.id_key WHERE i.store_id = ? AND i.person_id = ?", rs -> {
            Set<String> anonymous = new TreeSet<>();
            Set<String> users = new TreeSet<>();
            Set<String> emails = new TreeSet<>();
            Map<String, String> google = new TreeMap<>();
            while (rs.next()) {
                String k = rs.getString(1);
                String id = k.substring(2);
                switch (k.charAt(0)) {
                    case 'a' -> anonymous.add(id);
                    case 'u' -> users.add(id);
                    default -> {
                        emails.add(id);
                        if (rs.getString(2) != null) {
                            google.put(id, rs.getString(2));
                        }
                    }
                }
            }
            return new PersonIds(anonymous, users, emails, google);
        }, storeId, personId);
    }

    /**
     * The latest Purchase among the person's materialised events (under every anonymous and user id
     * linked to them), a commit or two behind the collector. Only the rows whose bytes hold the type's
     * name are read and decoded (both record versions spell it out), newest first.
     */
    @Override
    public Optional<Instant> lastPurchase(String storeId, String personId) {
        PersonIds ids = ids(storeId, personId);
        if (ids.anonymousIds().isEmpty() && ids.userIds().isEmpty()) {
            return Optional.empty();
        }
        // visitor_id is the anonymous id, or the user id when none was sent; user_id the user id.
        List<String> visitors = new ArrayList<>(ids.anonymousIds());
        visitors.addAll(ids.userIds());
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT event FROM cluster_visitor_events WHERE store_id = ? "
                        + "AND (visitor_id = ANY (?) OR user_id = ANY (?)) "
                        + "AND (position(? IN event) > 0 OR position(? IN event) > 0) "
                        + "ORDER BY event_time DESC LIMIT " + PURCHASE_CANDIDATES)) {
            ps.setString(1, storeId);
            ps.setArray(2, c.createArrayOf("text", visitors.toArray()));
            ps.setArray(3, c.createArrayOf("text", ids.userIds().toArray()));
            ps.setBytes(4, EventType.PURCHASE.canonicalName().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            ps.setBytes(5, EventType.PURCHASE.name().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Event e = EventSerde.decode(rs.getBytes(1));
                    if (e.type() == EventType.PURCHASE) {
                        return Optional.of(e.eventTime());
                    }
                }
            }
            return Optional.empty();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the person's events: " + e.getMessage(), e);
        }
    }

    /**
     * At most this many of a person's newest events that name a purchase somewhere (in a property,
     * say) are decoded for their latest purchase.
     */
    static final int PURCHASE_CANDIDATES = 100;

    @Override
    public Map<String, Instant> memberships(String storeId, String personId) {
        return query("SELECT segment_id, joined_at FROM cluster_memberships WHERE store_id = ? AND person_id = ?", rs -> {
            Map<String, Instant> out = new TreeMap<>();
            while (rs.next()) {
                out.put(rs.getString(1), instant(rs, 2));
            }
            return out;
        }, storeId, personId);
    }

    @FunctionalInterface
    private interface Rows<T> {
        T read(ResultSet rs) throws SQLException;
    }

    private <T> T query(String sql, Rows<T> rows, Object... args) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rows.read(rs);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read cluster memberships: " + e.getMessage(), e);
        }
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        return rs.getObject(column, OffsetDateTime.class).toInstant();
    }
}

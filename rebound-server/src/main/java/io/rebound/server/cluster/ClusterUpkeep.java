package io.rebound.server.cluster;

import io.rebound.kafka.Keys;
import io.rebound.kafka.SegmentRecord;
import io.rebound.kafka.StoreSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Keeps the compacted segments topic true and small, and the materialised change log within
 * retention, from any node (what it does is idempotent, so
 * every node may run it):
 * <ul>
 *   <li>each store's {@link StoreSettings} (its {@code retention_days}) is published when the metadata
 *       database and what the topic holds (as {@link ClusterSink} materialised it) differ, so that the
 *       Streams instances keep a store's events and ids as long as its settings say;</li>
 *   <li>a segment's deletion record is replaced by a tombstone once it is {@code grace} old and every
 *       partition has finished the backfill of a segment set that includes it: by then no person state
 *       holds a status in the segment, and compaction can forget it;</li>
 *   <li>at most once an hour, the materialised change log ({@code cluster_membership_changes}) and
 *       events ({@code cluster_visitor_events}) lose what is older than their store's retention, and
 *       erasure marks older than the events topic's retention go.</li>
 * </ul>
 */
public final class ClusterUpkeep implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterUpkeep.class);
    /** How long a deletion record stays after it took effect, at least. */
    public static final Duration DELETION_GRACE = Duration.ofDays(1);

    /** How often the materialised change log and events are purged. */
    static final Duration PURGE_EVERY = Duration.ofHours(1);
    /** Erasure marks outlive every event accepted before them: the events topic keeps records 7 days. */
    static final Duration ERASURE_MARKS = Duration.ofDays(8);

    /** What one pass did. */
    public record Pass(int settingsPublished, int deletionsCompacted, int changesPurged) {
    }

    private final DataSource db;
    private final ClusterAudiences audiences;
    private final Clock clock;
    private final Duration grace;
    private ScheduledExecutorService timer;
    private Instant lastPurge;

    public ClusterUpkeep(DataSource db, ClusterAudiences audiences, Clock clock, Duration grace) {
        this.db = db;
        this.audiences = audiences;
        this.clock = clock;
        this.grace = grace;
    }

    /** Runs a pass now and then every {@code every}. */
    public ClusterUpkeep start(Duration every) {
        timer = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().name("cluster-upkeep").daemon(true).unstarted(r));
        timer.scheduleWithFixedDelay(() -> {
            try {
                runOnce();
            } catch (RuntimeException e) {
                LOG.warn("cluster upkeep failed; retrying in {}: {}", every, e.getMessage());
            }
        }, 0, every.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /** One pass: settings that differ are published, deletions that are done with are tombstoned. */
    public Pass runOnce() {
        Map<String, Integer> retention = new HashMap<>();
        Map<String, byte[]> published = new HashMap<>();
        List<SegmentRecord> deletions = new ArrayList<>();
        try (Connection c = db.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("SELECT id, retention_days FROM stores");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    retention.put(rs.getString(1), rs.getInt(2));
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT store_id, segment_id, record FROM cluster_segment_records");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String key = Keys.of(rs.getString(1), rs.getString(2));
                    if (StoreSettings.isKey(key)) {
                        published.put(rs.getString(1), rs.getBytes(3));
                    } else {
                        SegmentRecord r = SegmentRecord.decode(rs.getBytes(3));
                        if (r.deleted()) {
                            deletions.add(r);
                        }
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read stores and segment records: " + e.getMessage(), e);
        }
        int settings = 0;
        for (Map.Entry<String, Integer> e : retention.entrySet()) {
            StoreSettings s = new StoreSettings(e.getKey(), e.getValue());
            byte[] now = published.get(e.getKey());
            boolean same = now == null ? e.getValue() == StoreSettings.defaults(e.getKey()).retentionDays()
                    : Arrays.equals(now, s.encode());
            if (!same) {
                audiences.publish(s.key(), s.encode());
                settings++;
            }
        }
        Instant cutoff = clock.instant().minus(grace);
        int compacted = 0;
        Map<String, Boolean> backfilled = new HashMap<>();
        for (SegmentRecord d : deletions) {
            if (d.effectiveFrom().isBefore(cutoff)
                    && backfilled.computeIfAbsent(d.storeId(), audiences::backfilledEverywhere)
                    && audiences.segment(d.storeId(), d.segmentId()).isEmpty()) {
                audiences.publish(d.key(), null);
                compacted++;
            }
        }
        int purged = 0;
        Instant now = clock.instant();
        if (lastPurge == null || !now.isBefore(lastPurge.plus(PURGE_EVERY))) {
            purged = purgeChanges(now);
            lastPurge = now;
        }
        if (settings + compacted + purged > 0) {
            LOG.info("cluster upkeep: published settings of {} store(s), compacted {} deletion record(s), "
                    + "purged {} change log entries and stored events past retention", settings, compacted, purged);
        }
        return new Pass(settings, compacted, purged);
    }

    /** Change log entries and stored events past their store's retention; erasure marks past the events topic's. */
    private int purgeChanges(Instant now) {
        try (Connection c = db.getConnection();
             PreparedStatement changes = c.prepareStatement(
                     "DELETE FROM cluster_membership_changes ch USING stores s WHERE ch.store_id = s.id "
                             + "AND ch.changed_at < CAST(? AS TIMESTAMP WITH TIME ZONE) - s.retention_days * INTERVAL '1 day'");
             PreparedStatement events = c.prepareStatement(
                     "DELETE FROM cluster_visitor_events ev USING stores s WHERE ev.store_id = s.id "
                             + "AND ev.event_time < CAST(? AS TIMESTAMP WITH TIME ZONE) - s.retention_days * INTERVAL '1 day'");
             PreparedStatement marks = c.prepareStatement("DELETE FROM cluster_erasures WHERE erased_at < ?")) {
            changes.setObject(1, now.atOffset(java.time.ZoneOffset.UTC));
            int n = changes.executeUpdate();
            events.setObject(1, now.atOffset(java.time.ZoneOffset.UTC));
            n += events.executeUpdate();
            marks.setObject(1, now.minus(ERASURE_MARKS).atOffset(java.time.ZoneOffset.UTC));
            marks.executeUpdate();
            return n;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot purge the change log and stored events: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}

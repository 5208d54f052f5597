package io.rebound.server.cluster;

import io.rebound.core.segment.SegmentTemplates;
import io.rebound.kafka.SegmentRecord;
import io.rebound.kafka.StoreSettings;
import io.rebound.server.audience.SegmentRecord.Status;
import io.rebound.server.meta.Database;
import io.rebound.server.meta.PostgresTestDatabase;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The segments topic on a real broker and PostgreSQL, through a real cluster node: a store's
 * retention reaches the topic (and only when it changed), and a deleted segment's record is
 * compacted away once it is a grace period old and every partition has backfilled without it —
 * not before.
 */
class ClusterUpkeepIT {

    private static KafkaClusterTestKit broker;
    private static PostgresTestDatabase pg;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startBrokerAndDatabase() throws Exception {
        broker = TestCluster.broker();
        pg = PostgresTestDatabase.create();
    }

    @AfterAll
    static void stop() throws Exception {
        if (broker != null) {
            broker.close();
        }
        if (pg != null) {
            pg.drop();
        }
    }

    @Test
    void retentionIsPublishedOnceAndADeletionIsCompactedOnlyWhenDoneWith() throws Exception {
        try (ClusterServer node = TestCluster.node(tmp.resolve("node"), broker, pg, "upkeep", 2);
             Database db = Database.open(pg.jdbcUrl(), PostgresTestDatabase.USER, null)) {
            ClusterAudiences audiences = node.audiences();
            String store = node.stores().create("Upkeep shop", false).store().id();
            Clock now = Clock.systemUTC();
            ClusterUpkeep upkeep = new ClusterUpkeep(db.dataSource(), audiences, now, Duration.ofDays(1));

            // Retention: the default needs no record; a changed one is published, then never again.
            await("the first pass", () -> upkeep.runOnce().settingsPublished() == 0);
            node.stores().update(store, "Upkeep shop", false, 30);
            assertThat(upkeep.runOnce().settingsPublished()).isEqualTo(1);
            await("the settings materialised", () -> settings(db, store).map(StoreSettings::retentionDays).orElse(0) == 30);
            assertThat(upkeep.runOnce().settingsPublished()).isZero();

            // A deletion record stays while it is younger than the grace period, and is compacted after.
            String doomed = audiences.createSegment(store, SegmentTemplates.productViewers(7, SegmentTemplates.Scope.STORE),
                    "product_viewers").id();
            String kept = audiences.createSegment(store, SegmentTemplates.cartAbandoners(7, SegmentTemplates.Scope.STORE),
                    "cart_abandoners").id();
            await("both segments ready", () -> audiences.segments(store).stream().allMatch(s -> s.status() == Status.READY));
            assertThat(audiences.deleteSegment(store, doomed)).isTrue();
            await("the deletion materialised", () -> record(db, store, doomed).map(SegmentRecord::deleted).orElse(false));
            await("the deletion backfilled everywhere", () -> audiences.backfilledEverywhere(store));
            assertThat(upkeep.runOnce().deletionsCompacted()).as("younger than the grace period").isZero();

            ClusterUpkeep later = new ClusterUpkeep(db.dataSource(), audiences,
                    Clock.offset(now, Duration.ofDays(2)), Duration.ofDays(1));
            assertThat(later.runOnce().deletionsCompacted()).isEqualTo(1);
            await("the record compacted away", () -> record(db, store, doomed).isEmpty());
            assertThat(later.runOnce().deletionsCompacted()).isZero();
            assertThat(record(db, store, kept)).map(SegmentRecord::deleted).contains(false);
            await("the segment set backfilled again", () -> audiences.backfilledEverywhere(store));
            assertThat(audiences.segment(store, kept)).map(s -> s.status()).contains(Status.READY);

            // The materialised change log keeps what is within the store's retention (30 days) only.
            insertChange(db, store, now.instant().minus(Duration.ofDays(31)));
            insertChange(db, store, now.instant().minus(Duration.ofDays(29)));
            long before = changes(db, store);
            ClusterUpkeep fresh = new ClusterUpkeep(db.dataSource(), audiences, now, Duration.ofDays(1));
            assertThat(fresh.runOnce().changesPurged()).isEqualTo(1);
            assertThat(changes(db, store)).isEqualTo(before - 1);
            assertThat(fresh.runOnce().changesPurged()).as("at most once an hour").isZero();
        }
    }

    private static void insertChange(Database db, String store, java.time.Instant at) throws SQLException {
        try (Connection c = db.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO cluster_membership_changes (store_id, segment_id, person_id, kind, changed_at, reason) "
                        + "VALUES (?, 'sg_x', 'a:old', 'LEFT', ?, 'test')")) {
            ps.setString(1, store);
            ps.setObject(2, at.atOffset(java.time.ZoneOffset.UTC));
            ps.executeUpdate();
        }
    }

    private static long changes(Database db, String store) throws SQLException {
        try (Connection c = db.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT count(*) FROM cluster_membership_changes WHERE store_id = ?")) {
            ps.setString(1, store);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static Optional<SegmentRecord> record(Database db, String store, String segment) {
        return row(db, store, segment).map(SegmentRecord::decode);
    }

    private static Optional<StoreSettings> settings(Database db, String store) {
        return row(db, store, "").map(StoreSettings::decode);
    }

    private static Optional<byte[]> row(Database db, String store, String segment) {
        try (Connection c = db.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT record FROM cluster_segment_records WHERE store_id = ? AND segment_id = ?")) {
            ps.setString(1, store);
            ps.setString(2, segment);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getBytes(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }
}

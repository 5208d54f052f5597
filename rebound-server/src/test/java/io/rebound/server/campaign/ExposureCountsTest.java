package io.rebound.server.campaign;

import io.rebound.core.campaign.CampaignDefinition;
import io.rebound.core.campaign.Channels;
import io.rebound.core.campaign.Creative;
import io.rebound.core.campaign.Touch;
import io.rebound.server.meta.Database;
import io.rebound.server.meta.JdbcStoreRepository;
import io.rebound.server.meta.PostgresTestDatabase;
import io.rebound.server.runtime.RocksDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The daily caps' counts kept in memory and written behind: never short of what was counted, while
 * writes and erasures run on other threads; on the database within a second; seen by another node.
 */
class ExposureCountsTest {
    private static final LocalDate DAY = LocalDate.of(2026, 3, 2);

    @TempDir
    Path root;
    private PostgresTestDatabase pg;
    private final List<Database> databases = new ArrayList<>();
    /** For the "rocks" kind: the embedded server's storage of the counts, and its RocksDB. */
    private RocksExposures rocksCounts;
    private RocksDatabase rocks;
    private String store;
    private String campaign;

    private Database open(String kind) {
        Database d;
        if (kind.equals("h2")) {
            d = Database.embedded(root.resolve("meta"));
        } else if (kind.equals("rocks")) {
            d = Database.embedded(root.resolve("meta"));
            rocks = new RocksDatabase(root.resolve("state"), List.of(RocksExposures.FAMILY));
            rocksCounts = RocksExposures.attach(d.dataSource(), rocks);
        } else {
            if (pg == null) {
                pg = PostgresTestDatabase.create();
            }
            d = Database.open(pg.jdbcUrl(), PostgresTestDatabase.USER, null);
        }
        databases.add(d);
        if (store == null) {
            store = new JdbcStoreRepository(d).create("Yoga & Co", false).store().id();
            campaign = new JdbcCampaigns(d.dataSource(), Clock.systemUTC()).create(store, new CampaignDefinition("c", "seg",
                    new Channels(List.of(), false, true, List.of()),
                    List.of(new Touch(Duration.ZERO, new Creative(List.of(), true, "h"), null)), 3, 1_000)).id();
        }
        return d;
    }

    @AfterEach
    void close() {
        if (rocks != null) {
            rocksCounts.close();
            rocks.close();
        }
        databases.forEach(Database::close);
        if (pg != null) {
            pg.drop();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres", "rocks"})
    void aCountIsNeverShortOfWhatWasCountedWhileWritesAndErasuresRun(String kind) throws Exception {
        Database d = open(kind);
        ExposureCounts counts = ExposureCounts.of(d.dataSource());
        AtomicBoolean running = new AtomicBoolean(true);
        // Writes and erasures of someone else, as often as they can run: each reopens the window in
        // which a read of the database may be older than the counts it is added to.
        Thread writer = Thread.ofPlatform().start(() -> {
            while (running.get()) {
                counts.flush();
                counts.forgetPerson("somebody-else", () -> { });
            }
        });
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            String person = "person-" + t;
            done.add(pool.submit(() -> {
                for (int i = 1; i <= 400; i++) {
                    counts.add(campaign, person, DAY);
                    assertThat(counts.shown(campaign, person, DAY)).as("after %d", i).isGreaterThanOrEqualTo(i);
                    if (ThreadLocalRandom.current().nextInt(20) == 0) {
                        Thread.onSpinWait();
                    }
                }
                return null;
            }));
        }
        try {
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            running.set(false);
            writer.join();
            pool.shutdown();
        }
        counts.flush();
        for (int t = 0; t < 4; t++) {
            assertThat(counts.shown(campaign, "person-" + t, DAY)).isEqualTo(400);
            assertThat(stored(d, "person-" + t)).isEqualTo(400);
        }
    }

    @Test
    void countsReachTheDatabaseWithinASecondAndAnotherNodeSeesThem() throws Exception {
        Database node1 = open("postgres");
        Database node2 = open("postgres");
        JdbcOffers first = new JdbcOffers(node1.dataSource());
        JdbcOffers second = new JdbcOffers(node2.dataSource());
        assertThat(second.shown(campaign, "ann", DAY)).isZero();
        first.recordShown(campaign, "ann", DAY);
        first.recordShown(campaign, "ann", DAY);
        assertThat(first.shown(campaign, "ann", DAY)).isEqualTo(2);
        // Nobody asks for a write: the first node writes within a second, the second reads again within another.
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (second.shown(campaign, "ann", DAY) < 2 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(second.shown(campaign, "ann", DAY)).isEqualTo(2);
        assertThat(stored(node1, "ann")).isEqualTo(2);
        // The second node saw the commit; node 1's writer may not have moved its counts out of "writing" yet,
        // and until it has, node 1 counts them twice (by design: a cap errs on the side of holding back).
        // A flush waits for the one under way and, with nothing pending, writes nothing.
        ExposureCounts.of(node1.dataSource()).flush();
        assertThat(stored(node1, "ann")).isEqualTo(2);
        second.recordShown(campaign, "ann", DAY);
        deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (first.shown(campaign, "ann", DAY) < 3 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(first.shown(campaign, "ann", DAY)).isEqualTo(3);
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres", "rocks"})
    void erasureForgetsTheCountsInMemoryAndOnDisk(String kind) {
        Database d = open(kind);
        JdbcOffers offers = new JdbcOffers(d.dataSource());
        offers.recordShown(campaign, "bea", DAY);
        ExposureCounts.of(d.dataSource()).flush();
        offers.recordShown(campaign, "bea", DAY); // still in memory only
        offers.recordShown(campaign, "cid", DAY);
        assertThat(offers.shown(campaign, "bea", DAY)).isEqualTo(2);
        offers.forgetPerson(store, "bea");
        assertThat(offers.shown(campaign, "bea", DAY)).isZero();
        ExposureCounts.of(d.dataSource()).flush();
        assertThat(stored(d, "bea")).isZero();
        assertThat(stored(d, "cid")).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void theDatabaseKeepsTodaysAndYesterdaysCountsOnly(String kind) {
        Database d = open(kind);
        JdbcOffers offers = new JdbcOffers(d.dataSource());
        offers.recordShown(campaign, "gus", DAY.minusDays(3));
        offers.recordShown(campaign, "gus", DAY.minusDays(2));
        ExposureCounts.of(d.dataSource()).flush();
        assertThat(stored(d, "gus")).isEqualTo(2);
        offers.recordShown(campaign, "gus", DAY.minusDays(1));
        offers.recordShown(campaign, "hal", DAY);
        ExposureCounts.of(d.dataSource()).flush();
        assertThat(stored(d, "gus")).as("the day before yesterday and older are gone").isEqualTo(1);
        assertThat(offers.shown(campaign, "gus", DAY.minusDays(1))).isEqualTo(1);
        assertThat(stored(d, "hal")).isEqualTo(1);
    }

    @Test
    void theEmbeddedServersCountsSurviveTheProcessAndKeepOnlyTheLatestDay() {
        Database d = open("rocks");
        JdbcOffers offers = new JdbcOffers(d.dataSource());
        offers.recordShown(campaign, "dee", DAY);
        offers.recordShown(campaign, "dee", DAY);
        offers.recordShown(campaign, "eve", DAY.minusDays(1));
        offers.recordShown(campaign, "eve", DAY); // a later day replaces the earlier one
        rocksCounts.close(); // the server stopping: what is pending is written first
        assertThat(RocksExposures.dump(rocks)).containsExactly(
                "dee " + campaign + " " + DAY + " 2", "eve " + campaign + " " + DAY + " 1");
        assertThat(storedInSql(d, "dee")).as("nothing in the metadata database").isZero();
        rocks.close();
        d.close();
        databases.remove(d);

        // Another process over the same files: RocksDB's write-ahead log kept the counts.
        Database again = Database.embedded(root.resolve("meta"));
        databases.add(again);
        rocks = new RocksDatabase(root.resolve("state"), List.of(RocksExposures.FAMILY));
        rocksCounts = RocksExposures.attach(again.dataSource(), rocks);
        JdbcOffers after = new JdbcOffers(again.dataSource());
        assertThat(after.shown(campaign, "dee", DAY)).isEqualTo(2);
        assertThat(after.shown(campaign, "eve", DAY)).isEqualTo(1);
        assertThat(after.shown(campaign, "eve", DAY.minusDays(1))).as("only the latest day is kept").isZero();
        after.recordShown(campaign, "dee", DAY.minusDays(1)); // late for a day already past: dropped when written
        ExposureCounts.of(again.dataSource()).flush();
        assertThat(RocksExposures.dump(rocks)).contains("dee " + campaign + " " + DAY + " 2");
    }

    @Test
    void theStorageIsChosenBeforeTheFirstCount() {
        Database d = open("h2");
        ExposureCounts.of(d.dataSource());
        try (RocksDatabase other = new RocksDatabase(root.resolve("other"), List.of(RocksExposures.FAMILY))) {
            assertThatThrownBy(() -> RocksExposures.attach(d.dataSource(), other))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("already in use");
        }
    }

    @Test
    void theEmbeddedStorageRefusesWorkOnceClosedInsteadOfReachingAFreedHandle() {
        Database e = open("rocks");
        rocksCounts.close();
        assertThatThrownBy(() -> new JdbcOffers(e.dataSource()).shown(campaign, "fay", DAY))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("server is stopping");
    }

    private int stored(Database d, String person) {
        if (rocksCounts != null) {
            // The "rocks" kind: the counts are in RocksDB, and campaign_exposures stays empty.
            int sql = storedInSql(d, person);
            assertThat(sql).as("campaign_exposures with the counts in RocksDB").isZero();
            return RocksExposures.dump(rocks).stream().filter(l -> l.startsWith(person + " "))
                    .mapToInt(l -> Integer.parseInt(l.substring(l.lastIndexOf(' ') + 1))).sum();
        }
        return storedInSql(d, person);
    }

    private static int storedInSql(Database d, String person) {
        try (var c = d.dataSource().getConnection(); var ps = c.prepareStatement(
                "SELECT COALESCE(SUM(shown), 0) FROM campaign_exposures WHERE person_id = ?")) {
            ps.setString(1, person);
            try (var rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}

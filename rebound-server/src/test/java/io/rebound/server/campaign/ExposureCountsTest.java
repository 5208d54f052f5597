package io.rebound.server.campaign;

import io.rebound.core.campaign.CampaignDefinition;
import io.rebound.core.campaign.Channels;
import io.rebound.core.campaign.Creative;
import io.rebound.core.campaign.Touch;
import io.rebound.server.meta.Database;
import io.rebound.server.meta.JdbcStoreRepository;
import io.rebound.server.meta.PostgresTestDatabase;
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
    private String store;
    private String campaign;

    private Database open(String kind) {
        Database d;
        if (kind.equals("h2")) {
            d = Database.embedded(root.resolve("meta"));
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
        databases.forEach(Database::close);
        if (pg != null) {
            pg.drop();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
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
        second.recordShown(campaign, "ann", DAY);
        deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (first.shown(campaign, "ann", DAY) < 3 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(first.shown(campaign, "ann", DAY)).isEqualTo(3);
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
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

    private static int stored(Database d, String person) {
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

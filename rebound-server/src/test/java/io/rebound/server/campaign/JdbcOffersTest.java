package io.rebound.server.campaign;

import io.rebound.core.campaign.CampaignDefinition;
import io.rebound.core.campaign.Channels;
import io.rebound.core.campaign.Creative;
import io.rebound.core.campaign.IssuedOffer;
import io.rebound.core.campaign.Touch;
import io.rebound.server.meta.Database;
import io.rebound.server.meta.JdbcStoreRepository;
import io.rebound.server.meta.MetaTestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/** Offer codes, caps and decision counts on embedded H2 and on PostgreSQL, under concurrent requests. */
class JdbcOffersTest {
    private static final Instant T0 = Instant.parse("2026-03-02T10:00:00Z");

    @TempDir
    Path root;
    private MetaTestDatabase meta;
    private Database database;
    private JdbcCampaigns campaigns;
    private JdbcOffers offers;
    private String store;

    private void open(String kind) {
        meta = MetaTestDatabase.open(kind, root.resolve("meta"));
        database = meta.database();
        store = new JdbcStoreRepository(database).create("Yoga & Co", false).store().id();
        campaigns = new JdbcCampaigns(database.dataSource(), Clock.systemUTC());
        offers = new JdbcOffers(database.dataSource());
    }

    @AfterEach
    void close() {
        if (meta != null) {
            meta.close();
        }
    }

    private String campaign() {
        return campaigns.create(store, new CampaignDefinition("c", "seg", new Channels(List.of(), false, true, List.of()),
                List.of(new Touch(Duration.ZERO, new Creative(List.of(), true, "h"), null)), 3, 1_000)).id();
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void concurrentDecisionsForOnePersonIssueOneCode(String kind) throws Exception {
        open(kind);
        String id = campaign();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<IssuedOffer>> issued = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            issued.add(pool.submit(() -> {
                go.await();
                return offers.issue(id, store, "person-1", 1, 10, T0, T0.plus(Duration.ofHours(48)));
            }));
        }
        go.countDown();
        Set<String> codes = new HashSet<>();
        for (Future<IssuedOffer> f : issued) {
            codes.add(f.get().code());
        }
        pool.shutdown();
        assertThat(codes).hasSize(1);
        assertThat(offers.offersOf(store, "person-1")).hasSize(1);
        assertThat(offers.stats(id).offersIssued()).containsEntry(1, 1L);
    }

    @Test
    void codesAreUnguessableAndDistinct() {
        Set<String> codes = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            String code = JdbcOffers.newCode();
            assertThat(code).matches("RB-[0-9A-HJKMNP-TV-Z]{16}");
            codes.add(code);
        }
        assertThat(codes).hasSize(10_000);
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void countersAddUpUnderConcurrencyAndCapsArePerDay(String kind) throws Exception {
        open(kind);
        String id = campaign();
        LocalDate day = LocalDate.of(2026, 3, 2);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            done.add(pool.submit(() -> {
                offers.recordShown(id, "person-2", day);
                offers.recordDecision(id, 0, "reminder");
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
        assertThat(offers.shown(id, "person-2", day)).isEqualTo(40);
        assertThat(offers.shown(id, "person-2", day.plusDays(1))).isZero();
        assertThat(offers.stats(id).decisions().get(0)).containsEntry("reminder", 40L);
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void decisionCountsAddUpInMemoryAndReachTheDatabaseWithinASecond(String kind) throws Exception {
        open(kind);
        String id = campaign();
        LocalDate day = LocalDate.of(2026, 3, 2);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
            int thread = t;
            done.add(pool.submit(() -> {
                for (int i = 0; i < 500; i++) {
                    offers.recordAnswer(id, "person-" + thread, day, i % 2 == 0, 0, i % 5 == 0 ? "capped" : "reminder");
                }
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
        // Another reader of the same database on this node (the dashboard has its own) sees every count.
        assertThat(new JdbcOffers(database.dataSource()).stats(id).decisions().get(0))
                .containsEntry("reminder", 6_400L).containsEntry("capped", 1_600L);
        assertThat(offers.shown(id, "person-3", day)).isEqualTo(250);
        // Counted without anyone asking: on the database within a second (what other nodes read).
        offers.recordDecision(id, -1, "holdout");
        long deadline = System.nanoTime() + 5_000_000_000L;
        long holdouts = 0;
        while (System.nanoTime() < deadline && holdouts == 0) {
            Thread.sleep(50);
            try (var c = database.dataSource().getConnection(); var st = c.createStatement();
                 var rs = st.executeQuery("SELECT decisions FROM campaign_decisions WHERE campaign_id = '" + id
                         + "' AND touch = -1")) {
                holdouts = rs.next() ? rs.getLong(1) : 0;
            }
        }
        assertThat(holdouts).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void deletingACampaignDeletesItsCodesAndCounts(String kind) throws Exception {
        open(kind);
        String id = campaign();
        offers.issue(id, store, "person-3", 0, 10, T0, T0.plusSeconds(60));
        offers.recordDecision(id, -1, "holdout");
        assertThat(offers.offersOf(store, "person-3")).hasSize(1); // read (and, embedded, kept) before the delete
        assertThat(campaigns.delete(store, id)).isTrue();
        assertThat(offers.offersOf(store, "person-3")).isEmpty();
        assertThat(offers.stats(id).decisions()).isEmpty();
        // A count still in memory for a deleted campaign writes nothing and fails nothing.
        String other = campaign();
        offers.recordDecision(other, 0, "reminder");
        try (var c = database.dataSource().getConnection(); var st = c.createStatement()) {
            st.executeUpdate("DELETE FROM campaigns WHERE id = '" + other + "'");
        }
        assertThat(offers.stats(other).decisions()).isEmpty();
    }
}

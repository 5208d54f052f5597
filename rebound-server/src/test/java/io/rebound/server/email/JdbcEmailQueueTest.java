package io.rebound.server.email;

import io.rebound.core.campaign.CampaignDefinition;
import io.rebound.core.campaign.Channels;
import io.rebound.core.campaign.Creative;
import io.rebound.core.campaign.Touch;
import io.rebound.server.campaign.JdbcCampaigns;
import io.rebound.server.campaign.JdbcOffers;
import io.rebound.server.meta.Database;
import io.rebound.server.meta.JdbcStoreRepository;
import io.rebound.server.meta.PostgresTestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The send queue's SQL on embedded H2 and on PostgreSQL: one row per key, claims, exits, suppression. */
class JdbcEmailQueueTest {
    private static final Instant T0 = Instant.parse("2026-03-02T10:00:00Z");

    @TempDir
    Path root;
    private PostgresTestDatabase pg;
    private Database database;

    @AfterEach
    void close() {
        if (database != null) {
            database.close();
        }
        if (pg != null) {
            pg.drop();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void aReplayedChangeQueuesNothingTwiceAndAClaimIsTakenOnce(String kind) {
        if (kind.equals("h2")) {
            database = Database.embedded(root.resolve("meta"));
        } else {
            pg = PostgresTestDatabase.create();
            database = Database.open(pg.jdbcUrl(), PostgresTestDatabase.USER, null);
        }
        String store = new JdbcStoreRepository(database).create("Yoga & Co", false).store().id();
        String campaign = new JdbcCampaigns(database.dataSource(), Clock.systemUTC()).create(store,
                new CampaignDefinition("c", "seg", new Channels(List.of(), true, false, List.of()),
                        List.of(new Touch(Duration.ofHours(1), new Creative(List.of(), true, "h"), null)), 3, 0)).id();
        JdbcEmailQueue queue = new JdbcEmailQueue(database.dataSource());
        JdbcEmailQueue.Joined p = new JdbcEmailQueue.Joined("p1", List.of(T0.plusSeconds(3600)));

        queue.follow(campaign, store, List.of(p), Set.of(), new JdbcEmailQueue.Cursor("seg", 5));
        queue.follow(campaign, store, List.of(p), Set.of(), new JdbcEmailQueue.Cursor("seg", 5));
        assertThat(queue.cursor(campaign)).contains(new JdbcEmailQueue.Cursor("seg", 5));
        assertThat(queue.due(T0.plusSeconds(3600), 10)).hasSize(1);
        String key = JdbcEmailQueue.key(campaign, "p1", 0);
        assertThat(queue.claim(key, T0)).isTrue();
        assertThat(queue.claim(key, T0)).isFalse();
        assertThat(queue.requeueStale(T0)).isZero();
        assertThat(queue.requeueStale(T0.plusSeconds(1))).isEqualTo(1);
        assertThat(queue.claim(key, T0.plusSeconds(2))).isTrue();
        queue.finish(key, "sent", T0.plusSeconds(2));
        assertThat(queue.lastSent(store, "p1")).contains(T0.plusSeconds(2));
        queue.follow(campaign, store, List.of(p), Set.of(), new JdbcEmailQueue.Cursor("seg", 6));
        assertThat(queue.state(key)).as("a sent step is never queued again").contains("sent");

        JdbcEmailQueue.Joined q = new JdbcEmailQueue.Joined("p2", List.of(T0));
        queue.follow(campaign, store, List.of(q), Set.of(), new JdbcEmailQueue.Cursor("seg", 7));
        queue.follow(campaign, store, List.of(), Set.of("p2"), new JdbcEmailQueue.Cursor("seg", 8));
        assertThat(queue.state(JdbcEmailQueue.key(campaign, "p2", 0))).contains("exited");
        queue.follow(campaign, store, List.of(q), Set.of(), new JdbcEmailQueue.Cursor("seg", 9));
        assertThat(queue.state(JdbcEmailQueue.key(campaign, "p2", 0))).as("re-joined").contains("queued");

        queue.putSubscriber(store, "h1", "a@b.example", T0);
        assertThat(queue.address(store, Set.of("h1", "h0"))).contains(new JdbcEmailQueue.Address("h1", "a@b.example"));
        queue.suppress(store, "h1", "unsubscribed", T0);
        queue.suppress(store, "h1", "unsubscribed", T0);
        assertThat(queue.address(store, Set.of("h1"))).isEmpty();
        assertThat(queue.suppressed(store, "h1")).isTrue();
        assertThat(queue.tokenKey()).isEqualTo(queue.tokenKey()).hasSize(32);
        assertThat(queue.storesWithActiveCampaigns()).containsExactly(store);

        // Put off (gap, cap, paused flow) any number of times: still every attempt left; an SMTP failure counts one.
        JdbcEmailQueue.Joined r = new JdbcEmailQueue.Joined("p3", List.of(T0));
        queue.follow(campaign, store, List.of(r), Set.of(), new JdbcEmailQueue.Cursor("seg", 10));
        String later = JdbcEmailQueue.key(campaign, "p3", 0);
        for (int i = 0; i < 8; i++) {
            assertThat(queue.claim(later, T0)).isTrue();
            queue.defer(later, T0);
        }
        assertThat(attempts(queue, later)).isZero();
        assertThat(queue.claim(later, T0)).isTrue();
        queue.retry(later, T0);
        assertThat(attempts(queue, later)).isEqualTo(1);

    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void anOfferTouchWithoutAnOfferEndsNoOfferAndErasureDeletesThePersonsRows(String kind) {
        if (kind.equals("h2")) {
            database = Database.embedded(root.resolve("meta"));
        } else {
            pg = PostgresTestDatabase.create();
            database = Database.open(pg.jdbcUrl(), PostgresTestDatabase.USER, null);
        }
        String store = new JdbcStoreRepository(database).create("Yoga & Co", false).store().id();
        String campaign = new JdbcCampaigns(database.dataSource(), Clock.systemUTC()).create(store,
                new CampaignDefinition("c", "seg", new Channels(List.of(), true, false, List.of()),
                        List.of(new Touch(Duration.ofHours(1), new Creative(List.of(), true, "h"), null)), 3, 0)).id();
        JdbcEmailQueue queue = new JdbcEmailQueue(database.dataSource());
        JdbcOffers offers = new JdbcOffers(database.dataSource());
        for (String person : List.of("p1", "p2")) {
            queue.follow(campaign, store, List.of(new JdbcEmailQueue.Joined(person, List.of(T0))), Set.of(),
                    new JdbcEmailQueue.Cursor("seg", 1));
            queue.putSubscriber(store, "h-" + person, person + "@b.example", T0);
            offers.issue(campaign, store, person, 0, 10, T0, T0.plusSeconds(3600));
            offers.recordAnswer(campaign, person, LocalDate.of(2026, 3, 2), true, 0, "offer");
        }
        String key = JdbcEmailQueue.key(campaign, "p1", 0);
        assertThat(queue.claim(key, T0)).isTrue();
        queue.finish(key, "no_offer", T0);
        assertThat(queue.state(key)).contains("no_offer");

        assertThat(offers.offersOf(store, "p1")).hasSize(1); // read (and, embedded, kept) before the erasure
        assertThat(queue.forgetPerson(store, "p1", Set.of("h-p1"))).isEqualTo(2);
        assertThat(offers.forgetPerson(store, "p1")).isEqualTo(2);
        assertThat(queue.rowsOf(store, "p1", Set.of("h-p1"))).isZero();
        assertThat(offers.offersOf(store, "p1")).isEmpty();
        assertThat(offers.shown(campaign, "p1", LocalDate.of(2026, 3, 2))).isZero();
        assertThat(queue.rowsOf(store, "p2", Set.of("h-p2"))).isEqualTo(2);
        assertThat(offers.offersOf(store, "p2")).hasSize(1);
        assertThat(offers.shown(campaign, "p2", LocalDate.of(2026, 3, 2))).isEqualTo(1);
        assertThat(offers.stats(campaign).decisions().get(0)).containsEntry("offer", 2L);
    }

    private static int attempts(JdbcEmailQueue queue, String key) {
        return queue.due(T0.plusSeconds(86_400), 100).stream().filter(x -> x.key().equals(key))
                .mapToInt(JdbcEmailQueue.Send::attempts).findFirst().orElseThrow();
    }
}

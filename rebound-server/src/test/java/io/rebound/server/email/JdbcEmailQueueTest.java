package io.rebound.server.email;

import io.rebound.core.campaign.CampaignDefinition;
import io.rebound.core.campaign.Channels;
import io.rebound.core.campaign.Creative;
import io.rebound.core.campaign.Touch;
import io.rebound.server.campaign.JdbcCampaigns;
import io.rebound.server.campaign.JdbcOffers;
import io.rebound.server.meta.Database;
import io.rebound.server.meta.JdbcStoreRepository;
import io.rebound.server.meta.MetaTestDatabase;
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
    private static final Duration HOUR = Duration.ofHours(1);

    @TempDir
    Path root;
    private MetaTestDatabase meta;
    private Database database;

    @AfterEach
    void close() {
        if (meta != null) {
            meta.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void aReplayedChangeQueuesNothingTwiceAndAClaimIsTakenOnce(String kind) {
        open(kind);
        String store = new JdbcStoreRepository(database).create("Yoga & Co", false).store().id();
        String campaign = campaign(store, HOUR);
        JdbcEmailQueue queue = new JdbcEmailQueue(database.dataSource());
        JdbcEmailQueue.Joined p = new JdbcEmailQueue.Joined("p1", T0, List.of(T0.plusSeconds(3600)));

        queue.follow(campaign, store, List.of(p), HOUR, new JdbcEmailQueue.Cursor("seg", 5));
        queue.follow(campaign, store, List.of(p), HOUR, new JdbcEmailQueue.Cursor("seg", 5));
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
        queue.follow(campaign, store, List.of(p), HOUR, new JdbcEmailQueue.Cursor("seg", 6));
        assertThat(queue.state(key)).as("a sent step is never queued again").contains("sent");

        JdbcEmailQueue.Joined q = new JdbcEmailQueue.Joined("p2", T0.minus(HOUR), List.of(T0));
        queue.follow(campaign, store, List.of(q), HOUR, new JdbcEmailQueue.Cursor("seg", 7));
        queue.follow(campaign, store, List.of(new JdbcEmailQueue.Left("p2", T0, false)), HOUR, new JdbcEmailQueue.Cursor("seg", 8));
        assertThat(queue.state(JdbcEmailQueue.key(campaign, "p2", 0))).contains("exited");
        queue.follow(campaign, store, List.of(q), HOUR, new JdbcEmailQueue.Cursor("seg", 9));
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
        JdbcEmailQueue.Joined r = new JdbcEmailQueue.Joined("p3", T0.minus(HOUR), List.of(T0));
        queue.follow(campaign, store, List.of(r), HOUR, new JdbcEmailQueue.Cursor("seg", 10));
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
        open(kind);
        String store = new JdbcStoreRepository(database).create("Yoga & Co", false).store().id();
        String campaign = campaign(store, HOUR);
        JdbcEmailQueue queue = new JdbcEmailQueue(database.dataSource());
        JdbcOffers offers = new JdbcOffers(database.dataSource());
        for (String person : List.of("p1", "p2")) {
            queue.follow(campaign, store, List.of(new JdbcEmailQueue.Joined(person, T0.minus(HOUR), List.of(T0))), HOUR,
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

    /** The metadata database: embedded H2 or PostgreSQL. */
    private void open(String kind) {
        meta = MetaTestDatabase.open(kind, root.resolve("meta"));
        database = meta.database();
    }

    /** A store with a two-touch email campaign (1 h, then 25 h after joining) on H2 or PostgreSQL; its id and the store's. */
    private String[] twoTouchCampaign(String kind) {
        open(kind);
        String store = new JdbcStoreRepository(database).create("Yoga & Co", false).store().id();
        return new String[]{store, campaign(store, HOUR, Duration.ofHours(25))};
    }

    /** An email campaign on the segment "seg", a touch after each delay. */
    private String campaign(String store, Duration... delays) {
        Creative creative = new Creative(List.of(), true, "h");
        return new JdbcCampaigns(database.dataSource(), Clock.systemUTC()).create(store,
                new CampaignDefinition("c", "seg", new Channels(List.of(), true, false, List.of()),
                        java.util.Arrays.stream(delays).map(d -> new Touch(d, creative, null)).toList(), 3, 0)).id();
    }

    private static JdbcEmailQueue.Joined joined(String person, Instant at) {
        return new JdbcEmailQueue.Joined(person, at, List.of(at.plus(HOUR), at.plus(Duration.ofHours(25))));
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void aPersonWhoLeavesBeforeTheFirstTouchIsDueNeverEntersTheFlowWhicheverReadTheLeaveComesIn(String kind) {
        String[] ids = twoTouchCampaign(kind);
        String store = ids[0];
        String campaign = ids[1];
        JdbcEmailQueue queue = new JdbcEmailQueue(database.dataSource());
        JdbcOffers offers = new JdbcOffers(database.dataSource());
        Instant leftAt = T0.plusMillis(100); // viewed, then added to cart 100 ms later: out of a browse flow

        // The join and its leave in one read, and in two.
        queue.follow(campaign, store, List.of(joined("one-read", T0), new JdbcEmailQueue.Left("one-read", leftAt, false)),
                HOUR, new JdbcEmailQueue.Cursor("seg", 2));
        queue.follow(campaign, store, List.of(joined("two-reads", T0)), HOUR, new JdbcEmailQueue.Cursor("seg", 3));
        assertThat(rows(campaign)).hasSize(2);
        queue.follow(campaign, store, List.of(new JdbcEmailQueue.Left("two-reads", leftAt, true)), HOUR,
                new JdbcEmailQueue.Cursor("seg", 4));
        assertThat(rows(campaign)).as("withdrawn, not exited").isEmpty();

        // The worker reached the first touch before the leave was read: it ended it "left"; the leave withdraws it.
        queue.follow(campaign, store, List.of(joined("worker-first", T0)), HOUR, new JdbcEmailQueue.Cursor("seg", 5));
        String first = JdbcEmailQueue.key(campaign, "worker-first", 0);
        assertThat(queue.claim(first, T0.plus(HOUR))).isTrue();
        queue.finish(first, "exited", "left", T0.plus(HOUR));
        queue.follow(campaign, store, List.of(new JdbcEmailQueue.Left("worker-first", T0.plusSeconds(1_800), false)), HOUR,
                new JdbcEmailQueue.Cursor("seg", 6));
        assertThat(rows(campaign)).isEmpty();

        // Left after the first touch came due: entered; the queued touches exit, bought or not.
        queue.follow(campaign, store, List.of(joined("stayed", T0), new JdbcEmailQueue.Left("stayed", T0.plus(HOUR), true),
                joined("unsent", T0)), HOUR, new JdbcEmailQueue.Cursor("seg", 7));
        queue.follow(campaign, store, List.of(new JdbcEmailQueue.Left("unsent", T0.plus(Duration.ofHours(2)), false)), HOUR,
                new JdbcEmailQueue.Cursor("seg", 8));
        // A leave that reached Rebound after the first touch went out (an event late by more than the
        // delay): the person got the email, so entered; the second touch exits.
        queue.follow(campaign, store, List.of(joined("late-leave", T0)), HOUR, new JdbcEmailQueue.Cursor("seg", 9));
        String late = JdbcEmailQueue.key(campaign, "late-leave", 0);
        assertThat(queue.claim(late, T0.plus(HOUR))).isTrue();
        queue.finish(late, "sent", T0.plus(HOUR));
        queue.follow(campaign, store, List.of(new JdbcEmailQueue.Left("late-leave", T0.plusSeconds(60), false)), HOUR,
                new JdbcEmailQueue.Cursor("seg", 10));
        assertThat(rows(campaign)).containsExactlyInAnyOrderEntriesOf(java.util.Map.of(
                JdbcEmailQueue.key(campaign, "stayed", 0), "exited converted",
                JdbcEmailQueue.key(campaign, "stayed", 1), "exited converted",
                JdbcEmailQueue.key(campaign, "unsent", 0), "exited left",
                JdbcEmailQueue.key(campaign, "unsent", 1), "exited left",
                late, "sent null",
                JdbcEmailQueue.key(campaign, "late-leave", 1), "exited left"));
        JdbcOffers.People people = offers.people(campaign, 2, Set.of(0, 1));
        assertThat(people.total().entered()).isEqualTo(3);
        assertThat(people.total().converted()).isEqualTo(1);

        // Withdrawn, then joined again: queued like anyone new.
        queue.follow(campaign, store, List.of(joined("two-reads", T0.plus(Duration.ofDays(1)))), HOUR,
                new JdbcEmailQueue.Cursor("seg", 11));
        assertThat(queue.state(JdbcEmailQueue.key(campaign, "two-reads", 0))).contains("queued");
    }

    /**
     * Randomised: a change log of joins and leaves (some within the first touch's hour, some after, some
     * people joining again) ends in the same rows whether it is read in one go or cut into reads at
     * random points.
     */
    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void theQueueEndsTheSameHoweverTheChangeLogIsCutIntoReads(String kind) {
        String[] ids = twoTouchCampaign(kind);
        String store = ids[0];
        JdbcEmailQueue queue = new JdbcEmailQueue(database.dataSource());
        java.util.Random random = new java.util.Random(27);
        java.util.Set<String> outcomes = new java.util.TreeSet<>();
        for (int trial = 0; trial < 12; trial++) {
            List<JdbcEmailQueue.Change> log = new java.util.ArrayList<>();
            java.util.Map<String, Instant> members = new java.util.HashMap<>();
            Instant now = T0;
            for (int i = 0; i < 60; i++) {
                String person = "p" + random.nextInt(8);
                now = now.plusSeconds(random.nextInt(4) == 0 ? 1 + random.nextInt(7_200) : random.nextInt(600));
                if (members.remove(person) != null) {
                    log.add(new JdbcEmailQueue.Left(person, now, random.nextBoolean()));
                } else {
                    members.put(person, now);
                    log.add(joined(person, now));
                }
            }
            String whole = campaign(store, HOUR, Duration.ofHours(25));
            String cut = campaign(store, HOUR, Duration.ofHours(25));
            queue.follow(whole, store, log, HOUR, new JdbcEmailQueue.Cursor("seg", log.size()));
            for (int from = 0; from < log.size(); ) {
                int to = Math.min(log.size(), from + 1 + random.nextInt(6));
                queue.follow(cut, store, log.subList(from, to), HOUR, new JdbcEmailQueue.Cursor("seg", to));
                from = to;
            }
            java.util.Map<String, String> expected = new java.util.TreeMap<>();
            rows(whole).forEach((k, v) -> expected.put(k.substring(whole.length()), v));
            java.util.Map<String, String> actual = new java.util.TreeMap<>();
            rows(cut).forEach((k, v) -> actual.put(k.substring(cut.length()), v));
            assertThat(actual).as("trial " + trial + ": " + log).isEqualTo(expected);
            outcomes.addAll(expected.values());
            if (log.stream().map(JdbcEmailQueue.Change::personId).distinct().count() * 2 > expected.size()) {
                outcomes.add("withdrawn");
            }
        }
        assertThat(outcomes).as("the trials had every outcome")
                .contains("queued null", "exited left", "exited converted", "withdrawn");
    }

    /** The campaign's rows: key to "state exit_reason". */
    private java.util.Map<String, String> rows(String campaign) {
        java.util.Map<String, String> out = new java.util.TreeMap<>();
        try (java.sql.Connection c = database.dataSource().getConnection();
             java.sql.PreparedStatement ps = c.prepareStatement(
                     "SELECT idempotency_key, state, exit_reason FROM email_sends WHERE campaign_id = ?")) {
            ps.setString(1, campaign);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getString(2) + " " + rs.getString(3));
                }
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    private static int attempts(JdbcEmailQueue queue, String key) {
        return queue.due(T0.plusSeconds(86_400), 100).stream().filter(x -> x.key().equals(key))
                .mapToInt(JdbcEmailQueue.Send::attempts).findFirst().orElseThrow();
    }
}

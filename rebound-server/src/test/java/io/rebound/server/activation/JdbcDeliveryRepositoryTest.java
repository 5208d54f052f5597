package io.rebound.server.activation;

import io.rebound.core.activation.Platform;
import io.rebound.destinations.AudienceRef;
import io.rebound.destinations.delivery.DeadLetter;
import io.rebound.destinations.delivery.Pairing;
import io.rebound.server.meta.Database;
import io.rebound.server.meta.JdbcStoreRepository;
import io.rebound.server.meta.PostgresTestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Migrations V6 and V22 and the pairing store, on embedded H2 (PostgreSQL mode) and on the PostgreSQL at 127.0.0.1:5432. */
class JdbcDeliveryRepositoryTest {

    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static PostgresTestDatabase pg;

    @TempDir
    Path dir;

    @AfterAll
    static void dropPostgres() {
        if (pg != null) {
            pg.drop();
        }
    }

    private Database open(String kind) {
        if (kind.equals("h2")) {
            return Database.embedded(dir);
        }
        pg = PostgresTestDatabase.create();
        return Database.open(pg.jdbcUrl(), PostgresTestDatabase.USER, null);
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void pairsCommitsAtomicallyNeverGoesBackAndKeepsDeadLetters(String kind) {
        try (Database db = open(kind)) {
            String storeId = new JdbcStoreRepository(db).create("Yoga shop", false).store().id();
            JdbcDeliveryRepository deliveries = new JdbcDeliveryRepository(db.dataSource(), Clock.fixed(NOW, ZoneOffset.UTC));
            AudienceRef pin = new AudienceRef(Platform.PINTEREST, "list-1", "audience-9");
            Pairing p = deliveries.pair(storeId, "pin", "seg-1", pin);
            deliveries.pair(storeId, "pin", "seg-0", AudienceRef.of(Platform.PINTEREST, "list-0"));
            deliveries.pair(storeId, "meta", "seg-1", AudienceRef.of(Platform.META, "2385"));
            assertThatThrownBy(() -> deliveries.pair(storeId, "pin", "seg-1", pin)).isInstanceOf(IllegalStateException.class);

            assertThat(deliveries.pairings("pin")).extracting(Pairing::segmentId).containsExactly("seg-0", "seg-1");
            assertThat(deliveries.pairings("pin").get(1)).isEqualTo(new Pairing(storeId, "pin", "seg-1", pin, 0));

            DeadLetter refused = new DeadLetter(storeId, "pin", "seg-1", "add", DeadLetter.REFUSED, "", "invalid hash",
                    List.of("e:1", "e:2"), 1, 40, NOW);
            DeadLetter gaveUp = new DeadLetter(storeId, "pin", "seg-1", "remove", DeadLetter.GAVE_UP, "401/2",
                    "Authentication failed. " + "x".repeat(5_000), List.of("u:7"), 1, 40, NOW);
            deliveries.commit(p, 40, List.of(refused, gaveUp), java.util.Map.of(), java.util.Set.of());
            assertThat(deliveries.pairings("pin").get(1).cursor()).isEqualTo(40);
            assertThat(deliveries.pairings("meta").getFirst().cursor()).isZero();

            // A late commit of an older batch never moves the cursor back.
            deliveries.commit(p, 12, List.of(), java.util.Map.of(), java.util.Set.of());
            assertThat(deliveries.pairings("pin").get(1).cursor()).isEqualTo(40);

            // Cursor and dead letters go together or not at all.
            DeadLetter bad = new DeadLetter(storeId, "pin", "seg-1", "upsert", DeadLetter.GAVE_UP, "", "", List.of(), 41, 50, NOW);
            assertThatThrownBy(() -> deliveries.commit(p.withCursor(40), 50, List.of(bad), java.util.Map.of(), java.util.Set.of())).isInstanceOf(IllegalStateException.class);
            assertThat(deliveries.pairings("pin").get(1).cursor()).isEqualTo(40);

            List<DeadLetter> letters = deliveries.deadLetters("pin", 10);
            assertThat(letters).hasSize(2);
            assertThat(letters.get(1)).isEqualTo(refused);
            assertThat(letters.get(0).message()).startsWith("Authentication failed.").hasSize(4000);
            assertThat(letters.get(0).personIds()).containsExactly("u:7");
            assertThat(deliveries.deadLetters("meta", 10)).isEmpty();

            // A batch of long ids given up whole is split over rows that fit the column.
            List<String> many = java.util.stream.IntStream.range(0, 6_000).mapToObj(i -> "u:" + "x".repeat(190) + i).toList();
            deliveries.commit(p.withCursor(40), 60, List.of(new DeadLetter(storeId, "pin", "seg-1", "add", DeadLetter.GAVE_UP,
                    "400", "bad", many, 41, 60, NOW)), java.util.Map.of(), java.util.Set.of());
            List<DeadLetter> split = deliveries.deadLetters("pin", 10).stream().filter(d -> d.toSequence() == 60).toList();
            assertThat(split).hasSizeGreaterThan(1);
            assertThat(split.stream().mapToInt(d -> d.personIds().size()).sum()).isEqualTo(6_000);
            assertThat(deliveries.pairings("pin").get(1).cursor()).isEqualTo(60);

            // What was uploaded is remembered with the cursor, and forgotten with the removal.
            io.rebound.core.activation.Contact ann = io.rebound.core.activation.Contact.ofEmail("ann@example.com");
            deliveries.commit(p.withCursor(60), 61, List.of(), java.util.Map.of("e:ann", ann), java.util.Set.of());
            assertThat(deliveries.uploaded(p, List.of("e:ann", "e:bob"))).containsExactly(java.util.Map.entry("e:ann", ann));
            assertThat(deliveries.uploaded(deliveries.pairings("meta").getFirst(), List.of("e:ann"))).isEmpty();
            deliveries.commit(p.withCursor(61), 62, List.of(), java.util.Map.of(), java.util.Set.of("e:ann"));
            assertThat(deliveries.uploaded(p, List.of("e:ann"))).isEmpty();

            assertThat(deliveries.unpair(storeId, "pin", "seg-0")).isTrue();
            assertThat(deliveries.unpair(storeId, "pin", "seg-0")).isFalse();
            assertThat(deliveries.pairings("pin")).extracting(Pairing::segmentId).containsExactly("seg-1");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void aLargeBatchsUploadedIdentifiersAreWrittenUpdatedRemovedAndReadBackExactly(String kind) {
        try (Database db = open(kind)) {
            String storeId = new JdbcStoreRepository(db).create("Big shop", false).store().id();
            JdbcDeliveryRepository deliveries = new JdbcDeliveryRepository(db.dataSource(), Clock.fixed(NOW, ZoneOffset.UTC));
            Pairing p = deliveries.pair(storeId, "meta", "seg-1", AudienceRef.of(Platform.META, "2385"));
            Pairing other = deliveries.pair(storeId, "meta", "seg-2", AudienceRef.of(Platform.META, "2386"));
            // Hundreds of persons, then updates of some and removals of the others in one commit.
            int n = 517;
            java.util.Map<String, io.rebound.core.activation.Contact> added = new java.util.HashMap<>();
            for (int i = 0; i < n; i++) {
                added.put("e:" + i, io.rebound.core.activation.Contact.ofEmail("p" + i + "@example.com"));
            }
            deliveries.commit(p, 10, List.of(), added, java.util.Set.of());
            deliveries.commit(other, 1, List.of(), java.util.Map.of("e:0", added.get("e:0")), java.util.Set.of());
            assertThat(deliveries.uploadedCount(p)).isEqualTo(n);
            java.util.Map<String, io.rebound.core.activation.Contact> changed = new java.util.HashMap<>();
            java.util.Set<String> removed = new java.util.HashSet<>();
            for (int i = 0; i < n; i += 2) {
                changed.put("e:" + i, io.rebound.core.activation.Contact.ofEmail("new" + i + "@example.com"));
            }
            for (int i = 1; i < n; i += 2) {
                removed.add("e:" + i);
            }
            // Updated rows beside a new one: the plain insert meets existing keys and the batch is upserted.
            changed.put("e:fresh", io.rebound.core.activation.Contact.ofEmail("fresh@example.com"));
            deliveries.commit(p.withCursor(10), 20, List.of(), changed, removed);
            assertThat(deliveries.uploadedCount(p)).isEqualTo(changed.size());
            java.util.List<String> everyone = new java.util.ArrayList<>(added.keySet());
            everyone.add("e:fresh");
            assertThat(deliveries.uploaded(p, everyone)).isEqualTo(changed);
            assertThat(deliveries.uploaded(deliveries.pairings("meta").get(1), List.of("e:0")))
                    .as("another pairing's rows are its own").containsEntry("e:0", added.get("e:0"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void aReconciliationIsRecordedWithTheUploadedRecordAndCountsFromThePairingBeforeTheFirst(String kind) {
        try (Database db = open(kind)) {
            String storeId = new JdbcStoreRepository(db).create("Yoga shop", false).store().id();
            JdbcDeliveryRepository deliveries = new JdbcDeliveryRepository(db.dataSource(), Clock.fixed(NOW, ZoneOffset.UTC));
            Pairing p = deliveries.pair(storeId, "meta", "seg-1", AudienceRef.of(Platform.META, "2385"));
            io.rebound.core.activation.Contact a = io.rebound.core.activation.Contact.ofEmail("a@example.com");
            io.rebound.core.activation.Contact b = io.rebound.core.activation.Contact.ofEmail("b@example.com");
            deliveries.commit(p, 5, List.of(), java.util.Map.of("e:a", a, "e:b", b), java.util.Set.of());
            assertThat(deliveries.reconciledSince(p)).isEqualTo(NOW);
            assertThat(deliveries.reconciliation(p)).isEmpty();
            assertThat(deliveries.uploadedAfter(p, null, 1)).containsOnlyKeys("e:a");
            assertThat(deliveries.uploadedAfter(p, "e:a", 10)).containsOnlyKeys("e:b");

            Instant later = NOW.plusSeconds(3_600);
            io.rebound.destinations.delivery.Reconciliation r = new io.rebound.destinations.delivery.Reconciliation(
                    later, "replace", 2, 1, 1, null);
            deliveries.reconciled(p, r, java.util.Map.of("e:c", io.rebound.core.activation.Contact.ofEmail("c@example.com")),
                    java.util.Set.of("e:b"));
            assertThat(deliveries.reconciledSince(p)).isEqualTo(later);
            assertThat(deliveries.reconciliation(p)).contains(r);
            assertThat(deliveries.uploadedAfter(p, null, 10)).containsOnlyKeys("e:a", "e:c");

            // A second run replaces the record; an error is kept with it.
            io.rebound.destinations.delivery.Reconciliation failed = new io.rebound.destinations.delivery.Reconciliation(
                    later.plusSeconds(60), "diff", 2, 0, 0, "401: Authentication failed.");
            deliveries.reconciled(p, failed, java.util.Map.of(), java.util.Set.of());
            assertThat(deliveries.reconciliation(p)).contains(failed);

            // Unpairing forgets it: a new pairing counts from itself again.
            assertThat(deliveries.unpair(storeId, "meta", "seg-1")).isTrue();
            assertThat(deliveries.reconciliation(p)).isEmpty();
        }
    }

    /**
     * Migration V22: the uploaded identifiers of every pairing, written under V21's four-column key, are
     * carried over to the pairing's number (rows of a pairing that is gone are dropped), and the store works
     * on them: read, counted, reconciled, replaced, removed, unpaired.
     */
    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void migrationV22CarriesEveryPairingsUploadedIdentifiersOverToItsNumber(String kind) throws Exception {
        String url;
        String user;
        if (kind.equals("h2")) {
            url = "jdbc:h2:file:" + dir.resolve("meta") + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH";
            user = "sa";
        } else {
            pg = PostgresTestDatabase.create();
            url = pg.jdbcUrl();
            user = PostgresTestDatabase.USER;
        }
        org.flywaydb.core.Flyway.configure().dataSource(url, user, kind.equals("h2") ? "" : null)
                .locations(Database.MIGRATIONS).target("21").load().migrate();
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(url, user, kind.equals("h2") ? "" : null);
             java.sql.Statement s = c.createStatement()) {
            s.execute("INSERT INTO stores (id, name, write_key, secret_key_hash, consent_required, retention_days, "
                    + "created_at, updated_at) VALUES ('st1', 'Old shop', 'wk1', 'h1', FALSE, 30, "
                    + "TIMESTAMP WITH TIME ZONE '2026-01-01 00:00:00+00', TIMESTAMP WITH TIME ZONE '2026-01-01 00:00:00+00')");
            for (String seg : List.of("seg-1", "seg-2")) {
                s.execute("INSERT INTO destination_pairings (store_id, destination_id, segment_id, platform, audience_id, "
                        + "targeting_id, cursor_seq, created_at, updated_at) VALUES ('st1', 'meta', '" + seg + "', 'META', "
                        + "'aud-" + seg + "', '', 7, TIMESTAMP WITH TIME ZONE '2026-01-01 00:00:00+00', "
                        + "TIMESTAMP WITH TIME ZONE '2026-01-01 00:00:00+00')");
            }
            String[][] rows = {{"seg-1", "e:a", "{\"emails\":[\"a@example.com\"]}"},
                    {"seg-1", "e:b", "{\"emails\":[\"b@example.com\"],\"externalIds\":[\"c-2\"]}"},
                    {"seg-2", "e:a", "{\"emails\":[\"a2@example.com\"]}"},
                    {"seg-gone", "e:z", "{\"emails\":[\"z@example.com\"]}"}};
            for (String[] r : rows) {
                s.execute("INSERT INTO destination_members (store_id, destination_id, segment_id, person_id, contact, "
                        + "updated_at) VALUES ('st1', 'meta', '" + r[0] + "', '" + r[1] + "', '" + r[2] + "', "
                        + "TIMESTAMP WITH TIME ZONE '2026-01-01 00:00:00+00')");
            }
        }
        try (Database db = Database.open(url, user, kind.equals("h2") ? "" : null)) {
            JdbcDeliveryRepository deliveries = new JdbcDeliveryRepository(db.dataSource(), Clock.fixed(NOW, ZoneOffset.UTC));
            List<Pairing> pairings = deliveries.pairings("meta");
            assertThat(pairings).extracting(Pairing::segmentId).containsExactly("seg-1", "seg-2");
            Pairing one = pairings.get(0);
            Pairing two = pairings.get(1);
            assertThat(one.cursor()).isEqualTo(7);
            io.rebound.core.activation.Contact a = io.rebound.core.activation.Contact.ofEmail("a@example.com");
            io.rebound.core.activation.Contact b = io.rebound.core.activation.Contact.ofEmail("b@example.com")
                    .withExternalIds(List.of("c-2"));
            assertThat(deliveries.uploaded(one, List.of("e:a", "e:b", "e:z"))).isEqualTo(java.util.Map.of("e:a", a, "e:b", b));
            assertThat(deliveries.uploadedAfter(one, null, 10)).containsExactly(java.util.Map.entry("e:a", a),
                    java.util.Map.entry("e:b", b));
            assertThat(deliveries.uploaded(two, List.of("e:a")))
                    .isEqualTo(java.util.Map.of("e:a", io.rebound.core.activation.Contact.ofEmail("a2@example.com")));
            assertThat(deliveries.uploadedCount(one)).isEqualTo(2);
            assertThat(deliveries.uploadedCount(two)).isEqualTo(1);
            try (java.sql.Connection c = db.dataSource().getConnection(); java.sql.Statement s = c.createStatement();
                 java.sql.ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM destination_members")) {
                rs.next();
                assertThat(rs.getLong(1)).as("the gone pairing's row is dropped").isEqualTo(3);
            }
            // The carried-over rows behave as rows written now: replaced (the insert meets the key), removed.
            io.rebound.core.activation.Contact a3 = io.rebound.core.activation.Contact.ofEmail("a3@example.com");
            deliveries.commit(one, 9, List.of(), java.util.Map.of("e:a", a3, "e:c", a), java.util.Set.of("e:b"));
            assertThat(deliveries.uploadedAfter(one, null, 10)).containsExactly(java.util.Map.entry("e:a", a3),
                    java.util.Map.entry("e:c", a));
            // A new pairing gets a number of its own; unpairing forgets only its pairing's rows.
            Pairing three = deliveries.pair("st1", "meta", "seg-3", AudienceRef.of(Platform.META, "aud-3"));
            deliveries.commit(three, 1, List.of(), java.util.Map.of("e:a", a), java.util.Set.of());
            assertThat(deliveries.uploadedCount(three)).isEqualTo(1);
            assertThat(deliveries.unpair("st1", "meta", "seg-1")).isTrue();
            assertThat(deliveries.uploadedCount(one)).isZero();
            assertThat(deliveries.uploadedCount(two)).isEqualTo(1);
            assertThat(deliveries.uploadedCount(three)).isEqualTo(1);
            // Re-paired, the segment starts from nothing uploaded.
            Pairing again = deliveries.pair("st1", "meta", "seg-1", AudienceRef.of(Platform.META, "aud-1"));
            assertThat(deliveries.uploadedCount(again)).isZero();
        }
    }

}

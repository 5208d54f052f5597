package io.rebound.server.meta;

import io.rebound.core.store.Store;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The behaviour of {@link JdbcStoreRepository}, written once and run against every database
 * Rebound supports (H2 embedded, PostgreSQL). Each test starts from an empty {@code stores} table.
 */
abstract class StoreRepositoryContract {
    protected Database database;
    protected JdbcStoreRepository stores;

    /** A freshly opened (and therefore migrated) database; the same data on every call within a test. */
    protected abstract Database openDatabase();

    protected abstract boolean expectPostgres();

    @BeforeEach
    void openAndEmpty() throws SQLException {
        database = openDatabase();
        try (Connection c = database.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.executeUpdate("DELETE FROM stores");
        }
        stores = new JdbcStoreRepository(database);
    }

    @AfterEach
    void close() {
        database.close();
    }

    @Test
    void opensTheExpectedKindOfDatabaseWithTheStoresMigrationApplied() throws SQLException {
        assertThat(database.isPostgres()).isEqualTo(expectPostgres());
        try (Connection c = database.dataSource().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT version, success FROM flyway_schema_history "
                     + "WHERE version = '1'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getBoolean("success")).isTrue();
        }
    }

    @Test
    void createAssignsAnIdAndKeysOfTheDocumentedShape() {
        StoreRepository.Created created = stores.create("Yoga Loft", false);
        Store store = created.store();

        assertThat(store.id()).matches("st_[0-9A-Za-z]{16}");
        assertThat(store.writeKey()).matches("wk_[0-9A-Za-z]{24}");
        assertThat(created.secretKey()).matches("sk_[0-9A-Za-z]{40}");
        assertThat(store.name()).isEqualTo("Yoga Loft");
        assertThat(store.consentRequired()).isFalse();
        assertThat(store.retentionDays()).isEqualTo(Store.DEFAULT_RETENTION_DAYS);
        assertThat(store.createdAt()).isNotNull();
    }

    @Test
    void idsAndKeysAreDistinctAcrossStores() {
        Set<String> seen = ConcurrentHashMap.newKeySet();
        for (int i = 0; i < 20; i++) {
            StoreRepository.Created c = stores.create("shop " + i, i % 2 == 0);
            assertThat(seen.add(c.store().id())).isTrue();
            assertThat(seen.add(c.store().writeKey())).isTrue();
            assertThat(seen.add(c.secretKey())).isTrue();
        }
    }

    @Test
    void aCreatedStoreReadsBackEqualByIdWriteKeyAndSecretKey() {
        StoreRepository.Created created = stores.create("Mat & Block", true);
        Store store = created.store();

        assertThat(stores.byId(store.id())).contains(store);
        assertThat(stores.byWriteKey(store.writeKey())).contains(store);
        assertThat(stores.bySecretKey(created.secretKey())).contains(store);
    }

    @Test
    void theSecretKeyIsStoredOnlyAsItsSha256() throws SQLException {
        StoreRepository.Created created = stores.create("Hashed", false);
        List<String> cells = new ArrayList<>();
        try (Connection c = database.dataSource().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT * FROM stores")) {
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                for (int i = 1; i <= columns; i++) {
                    cells.add(String.valueOf(rs.getObject(i)));
                }
            }
        }
        assertThat(cells).noneMatch(cell -> cell.contains(created.secretKey()));
        assertThat(cells).contains(StoreKeys.hash(created.secretKey()));
    }

    @Test
    void unknownAndMalformedKeysFindNothing() {
        StoreRepository.Created created = stores.create("Shop", false);

        assertThat(stores.byWriteKey("wk_000000000000000000000000")).isEmpty();
        assertThat(stores.bySecretKey("sk_" + "0".repeat(40))).isEmpty();
        assertThat(stores.byId("st_0000000000000000")).isEmpty();
        assertThat(stores.byWriteKey("")).isEmpty();
        assertThat(stores.byWriteKey(null)).isEmpty();
        assertThat(stores.bySecretKey(null)).isEmpty();
        assertThat(stores.bySecretKey("' OR '1'='1")).isEmpty();
        assertThat(stores.byWriteKey("x".repeat(10_000))).isEmpty();
        // A write key is not a secret key and vice versa.
        assertThat(stores.bySecretKey(created.store().writeKey())).isEmpty();
        assertThat(stores.byWriteKey(created.secretKey())).isEmpty();
    }

    @Test
    void nameIsTrimmedAndMustBeOneToHundredCharacters() {
        assertThat(stores.create("  Padded  ", false).store().name()).isEqualTo("Padded");
        assertThat(stores.create("é".repeat(100), false).store().name()).hasSize(100);
        assertThat(stores.create("🧘".repeat(100), false).store().name().codePointCount(0, 200)).isEqualTo(100);

        assertThatThrownBy(() -> stores.create("   ", false))
                .isInstanceOf(InvalidFieldException.class).hasMessageContaining("name");
        assertThatThrownBy(() -> stores.create(null, false))
                .isInstanceOf(InvalidFieldException.class).hasMessageContaining("name");
        assertThatThrownBy(() -> stores.create("x".repeat(101), false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("name");
        assertThatThrownBy(() -> stores.create("tab\tname", false))
                .isInstanceOf(InvalidFieldException.class).hasMessageContaining("name");
    }

    @Test
    void listReturnsEveryStoreInCreationOrder() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(stores.create("shop " + i, false).store().id());
        }
        assertThat(stores.list()).extracting(Store::id).containsExactlyElementsOf(ids);
    }

    @Test
    void updateChangesSettingsAndTheWriteKeyLookupSeesItAtOnce() {
        Store store = stores.create("Before", false).store();
        assertThat(stores.byWriteKey(store.writeKey())).contains(store); // now cached

        Store updated = stores.update(store.id(), " After ", true, 30);

        assertThat(updated).isEqualTo(new Store(store.id(), "After", store.writeKey(), true, 30, store.createdAt()));
        assertThat(stores.byWriteKey(store.writeKey())).contains(updated);
        assertThat(stores.byId(store.id())).contains(updated);
    }

    @Test
    void updateRejectsRetentionOutsideOneTo540DaysAndUnknownStores() {
        Store store = stores.create("Shop", false).store();

        assertThatThrownBy(() -> stores.update(store.id(), "Shop", false, 0))
                .isInstanceOf(InvalidFieldException.class).hasMessageContaining("retention_days");
        assertThatThrownBy(() -> stores.update(store.id(), "Shop", false, 541))
                .isInstanceOf(InvalidFieldException.class).hasMessageContaining("retention_days");
        assertThatThrownBy(() -> stores.update(store.id(), "", false, 30))
                .isInstanceOf(InvalidFieldException.class).hasMessageContaining("name");
        assertThatThrownBy(() -> stores.update("st_missing", "Shop", false, 30))
                .isInstanceOf(StoreNotFoundException.class);
        assertThat(stores.update(store.id(), "Shop", false, 540).retentionDays()).isEqualTo(540);
        assertThat(stores.update(store.id(), "Shop", false, 1).retentionDays()).isEqualTo(1);
    }

    @Test
    void rotatingTheSecretKeyRetiresTheOldOneAtOnce() {
        StoreRepository.Created created = stores.create("Shop", false);
        String old = created.secretKey();

        String fresh = stores.rotateSecretKey(created.store().id());

        assertThat(fresh).matches("sk_[0-9A-Za-z]{40}").isNotEqualTo(old);
        assertThat(stores.bySecretKey(old)).isEmpty();
        assertThat(stores.bySecretKey(fresh)).contains(created.store());
        assertThat(stores.byWriteKey(created.store().writeKey())).contains(created.store());
        assertThatThrownBy(() -> stores.rotateSecretKey("st_missing")).isInstanceOf(StoreNotFoundException.class);
    }

    @Test
    void aStoreCreatedThroughAnotherRepositoryIsFoundByWriteKey() {
        // Two repositories over one database behave like two nodes sharing PostgreSQL.
        JdbcStoreRepository otherNode = new JdbcStoreRepository(database);
        Store store = otherNode.create("Made elsewhere", false).store();

        assertThat(stores.byWriteKey(store.writeKey())).contains(store);
    }

    @Test
    void aRotationOnAnotherNodeIsHonouredImmediately() {
        JdbcStoreRepository otherNode = new JdbcStoreRepository(database);
        StoreRepository.Created created = stores.create("Shop", false);
        assertThat(stores.bySecretKey(created.secretKey())).isPresent();

        otherNode.rotateSecretKey(created.store().id());

        assertThat(stores.bySecretKey(created.secretKey())).isEmpty();
    }

    @Test
    void aKeyLookedUpOnOtherThreadsWhileItIsRotatedIsRefusedEverywhereOnceTheRotationReturns() throws Exception {
        for (int round = 0; round < 20; round++) {
            StoreRepository.Created created = stores.create("Shop " + round, false);
            java.util.concurrent.atomic.AtomicBoolean rotated = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.atomic.AtomicInteger acceptedAfter = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.CountDownLatch running = new java.util.concurrent.CountDownLatch(3);
            List<Thread> readers = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                readers.add(Thread.ofPlatform().start(() -> {
                    running.countDown();
                    for (int i = 0; i < 200; i++) {
                        boolean after = rotated.get();
                        if (stores.bySecretKey(created.secretKey()).isPresent() && after) {
                            acceptedAfter.incrementAndGet();
                        }
                    }
                }));
            }
            running.await();
            stores.rotateSecretKey(created.store().id());
            rotated.set(true);
            for (Thread r : readers) {
                r.join();
            }
            assertThat(acceptedAfter).as("round %d", round).hasValue(0);
            assertThat(stores.bySecretKey(created.secretKey())).isEmpty();
        }
    }

    @Test
    void createWithKeysIsIdempotentAndRestoresTheGivenSecret() {
        String writeKey = "wk_demoDemoDemoDemo0001";
        String secretKey = "sk_demoDemoDemoDemoDemoDemo0001";
        StoreRepository.Created first = stores.createWithKeys("Demo", false, writeKey, secretKey);
        assertThat(first.store().writeKey()).isEqualTo(writeKey);
        assertThat(stores.bySecretKey(secretKey)).contains(first.store());

        stores.rotateSecretKey(first.store().id());
        StoreRepository.Created second = stores.createWithKeys("Renamed?", true, writeKey, secretKey);

        assertThat(second.store()).isEqualTo(first.store());
        assertThat(second.secretKey()).isEqualTo(secretKey);
        assertThat(stores.bySecretKey(secretKey)).contains(first.store());
        assertThat(stores.list()).hasSize(1);
    }

    @Test
    void createWithKeysRejectsKeysWithoutTheirPrefix() {
        assertThatThrownBy(() -> stores.createWithKeys("Demo", false, "demo-write-key", "sk_" + "a".repeat(30)))
                .isInstanceOf(InvalidFieldException.class).hasMessageContaining("write_key");
        assertThatThrownBy(() -> stores.createWithKeys("Demo", false, "wk_" + "a".repeat(20), "short"))
                .isInstanceOf(InvalidFieldException.class).hasMessageContaining("secret_key");
    }

    @Test
    void concurrentCreateWithKeysMakesOneStore() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<StoreRepository.Created>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                JdbcStoreRepository node = new JdbcStoreRepository(database);
                results.add(pool.submit(() -> node.createWithKeys("Demo", false,
                        "wk_concurrentConcurrent01", "sk_concurrentConcurrentConcurrent01")));
            }
            Set<String> ids = ConcurrentHashMap.newKeySet();
            for (Future<StoreRepository.Created> r : results) {
                ids.add(r.get().store().id());
            }
            assertThat(ids).hasSize(1);
            assertThat(stores.list()).hasSize(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void storesSurviveReopeningTheDatabase() {
        StoreRepository.Created created = stores.create("Durable", true);
        database.close();

        database = openDatabase();
        JdbcStoreRepository reopened = new JdbcStoreRepository(database);

        assertThat(reopened.bySecretKey(created.secretKey())).contains(created.store());
        assertThat(reopened.byWriteKey(created.store().writeKey())).map(Store::consentRequired)
                .isEqualTo(Optional.of(true));
    }
}

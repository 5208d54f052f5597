package io.rebound.server.commerce;

import io.rebound.server.meta.Database;
import io.rebound.server.meta.JdbcStoreRepository;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The product cache answers from memory, yet a catalog write on this node — through any
 * {@link JdbcCatalog} of the same database, as the API, the CSV upload and the webhooks each have
 * their own — is seen by the very next read: prices, deletions, and products that did not exist.
 */
class ProductCacheTest {
    @TempDir
    Path dir;

    @Test
    void aWriteOnThisNodeIsSeenAtOnce() {
        try (Database db = Database.embedded(dir)) {
            String store = new JdbcStoreRepository(db).create("Yoga", false).store().id();
            String other = new JdbcStoreRepository(db).create("Other", false).store().id();
            JdbcCatalog writer = new JdbcCatalog(db.dataSource(), Clock.systemUTC());
            ProductCache cache = new ProductCache(new JdbcCatalog(db.dataSource(), Clock.systemUTC()));
            writer.upsert(store, JdbcCatalogTest.product("mat", "68.00"));
            writer.upsert(other, JdbcCatalogTest.product("mat", "10.00"));

            assertThat(cache.products(store, List.of("mat", "block")).keySet()).containsExactly("mat");
            assertThat(cache.products(store, List.of("mat")).get("mat").price()).isEqualByComparingTo("68.00");
            assertThat(cache.products(other, List.of("mat")).get("mat").price()).isEqualByComparingTo("10.00");

            writer.upsert(store, JdbcCatalogTest.product("mat", "59.00"));
            assertThat(cache.products(store, List.of("mat")).get("mat").price()).isEqualByComparingTo("59.00");
            writer.upsert(store, JdbcCatalogTest.product("block", "19.00")); // cached as absent a moment ago
            assertThat(cache.products(store, List.of("mat", "block")).keySet()).containsExactlyInAnyOrder("mat", "block");
            writer.delete(store, "mat");
            assertThat(cache.products(store, List.of("mat", "block")).keySet()).containsExactly("block");
            // The other store's rows are its own.
            assertThat(cache.products(other, List.of("mat")).get("mat").price()).isEqualByComparingTo("10.00");
            assertThat(cache.products(store, List.of("not a valid id!"))).isEmpty();
        }
    }

    @Test
    void rulesAndComplementsChangedThroughTheApisInstanceAreSeenAtOnce() {
        try (Database db = Database.embedded(dir)) {
            String store = new JdbcStoreRepository(db).create("Yoga", false).store().id();
            JdbcRecommendations settings = new JdbcRecommendations(db.dataSource(), Clock.systemUTC());
            assertThat(settings.complements(store, List.of("mat"))).isEmpty();
            assertThat(settings.rules(store)).isEqualTo(io.rebound.core.recommendation.MerchantRules.DEFAULT);
            settings.setComplements(store, "mat", List.of("block", "strap"));
            settings.setRules(store, new io.rebound.core.recommendation.MerchantRules(false, new java.math.BigDecimal("30")));
            assertThat(settings.complements(store, List.of("mat"))).containsEntry("mat", List.of("block", "strap"));
            assertThat(settings.rules(store).inStockOnly()).isFalse();
            assertThat(settings.rules(store).minMarginPercent()).isEqualByComparingTo("30");
            settings.setComplements(store, "mat", List.of());
            assertThat(settings.complements(store, List.of("mat"))).isEmpty();
        }
    }
}

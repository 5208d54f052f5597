package io.rebound.server.commerce;

import io.rebound.core.catalog.Availability;
import io.rebound.core.catalog.CatalogProduct;
import io.rebound.core.catalog.Condition;
import io.rebound.server.meta.Database;
import io.rebound.server.meta.JdbcStoreRepository;
import io.rebound.server.meta.PostgresTestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Migration V9, the catalog and the feed tokens, on embedded H2 (PostgreSQL mode) and on the PostgreSQL at 127.0.0.1:5432. */
class JdbcCatalogTest {
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final List<PostgresTestDatabase> PG = new ArrayList<>();

    @TempDir
    Path dir;

    @AfterAll
    static void dropPostgres() {
        PG.forEach(PostgresTestDatabase::drop);
    }

    private Database open(String kind) {
        if (kind.equals("h2")) {
            return Database.embedded(dir);
        }
        PostgresTestDatabase pg = PostgresTestDatabase.create();
        PG.add(pg);
        return Database.open(pg.jdbcUrl(), PostgresTestDatabase.USER, null);
    }

    static CatalogProduct product(String id, String price) {
        return CatalogProduct.builder(id).title("Product " + id).description("About " + id)
                .link("https://shop.example/p/" + id).imageLink("https://shop.example/i/" + id + ".jpg")
                .price(new BigDecimal(price), "EUR").availability(Availability.IN_STOCK).build();
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void upsertsReadsBackEveryFieldPagesAndDeletesPerStore(String kind) {
        try (Database db = open(kind)) {
            JdbcStoreRepository stores = new JdbcStoreRepository(db);
            String a = stores.create("Yoga shop", false).store().id();
            String b = stores.create("Other shop", false).store().id();
            JdbcCatalog catalog = new JdbcCatalog(db.dataSource(), Clock.fixed(NOW, ZoneOffset.UTC));

            CatalogProduct full = CatalogProduct.builder("mat-42").title("Mat 🧘").description("Line 1\nLine 2")
                    .link("https://shop.example/mat").imageLink("https://shop.example/mat.jpg")
                    .additionalImageLinks(List.of("https://shop.example/1.jpg", "https://shop.example/2.jpg"))
                    .price(new BigDecimal("1.250"), "KWD").salePrice(new BigDecimal("1")).cost(new BigDecimal("0.5"))
                    .availability(Availability.PREORDER).condition(Condition.USED).brand("Zen")
                    .googleProductCategory("Sporting Goods").productType("Yoga > Mats").gtin("4006381333931")
                    .mpn("ZM-6").itemGroupId("mat").inventory(12L).build();
            assertThat(catalog.upsert(a, full)).isTrue();
            JdbcCatalog.Entry e = catalog.get(a, "mat-42").orElseThrow();
            assertThat(e.product()).isEqualTo(full);
            assertThat(e.createdAt()).isEqualTo(NOW);
            assertThat(catalog.get(b, "mat-42")).isEmpty();

            assertThat(catalog.upsert(a, product("mat-42", "9.99"))).isFalse();
            assertThat(catalog.get(a, "mat-42").orElseThrow().product().price()).isEqualTo(new BigDecimal("9.99"));
            assertThat(catalog.get(a, "mat-42").orElseThrow().product().inventory()).isNull();
            assertThat(catalog.get(a, "mat-42").orElseThrow().product().additionalImageLinks()).isEmpty();

            JdbcCatalog.Written w = catalog.upsertAll(a, List.of(product("a", "1"), product("c", "3"),
                    product("b", "2"), product("mat-42", "8")));
            assertThat(w).isEqualTo(new JdbcCatalog.Written(3, 1));
            catalog.upsertAll(b, List.of(product("z", "1")));
            assertThat(catalog.count(a)).isEqualTo(4);
            assertThat(catalog.count(b)).isEqualTo(1);

            assertThat(catalog.page(a, null, 2)).extracting(x -> x.product().id()).containsExactly("a", "b");
            assertThat(catalog.page(a, "b", 10)).extracting(x -> x.product().id()).containsExactly("c", "mat-42");
            assertThat(catalog.existing(a, List.of("a", "z", "nope", "bad id!"))).containsExactly("a");

            assertThat(catalog.delete(b, "a")).isFalse();
            assertThat(catalog.delete(a, "a")).isTrue();
            assertThat(catalog.delete(a, "a")).isFalse();
            assertThat(catalog.count(a)).isEqualTo(3);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void aBatchThatFailsStoresNothing(String kind) throws Exception {
        try (Database db = open(kind)) {
            String a = new JdbcStoreRepository(db).create("Yoga shop", false).store().id();
            JdbcCatalog catalog = new JdbcCatalog(db.dataSource(), Clock.fixed(NOW, ZoneOffset.UTC));
            try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement()) {
                s.execute("ALTER TABLE catalog_products ADD CONSTRAINT test_no_x CHECK (product_id <> 'x')");
            }
            org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                            catalog.upsertAll(a, List.of(product("a", "1"), product("x", "1"))))
                    .isInstanceOf(IllegalStateException.class);
            assertThat(catalog.count(a)).isZero();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void feedTokensAreStableUntilRotatedAndGoWithTheStore(String kind) throws Exception {
        try (Database db = open(kind)) {
            JdbcStoreRepository stores = new JdbcStoreRepository(db);
            String a = stores.create("Yoga shop", false).store().id();
            String b = stores.create("Other", false).store().id();
            FeedTokens tokens = new FeedTokens(db.dataSource(), Clock.fixed(NOW, ZoneOffset.UTC));
            assertThat(tokens.matches(a, "ft_anything")).isFalse();
            String t = tokens.tokenFor(a);
            assertThat(t).startsWith("ft_").hasSize(35);
            assertThat(tokens.tokenFor(a)).isEqualTo(t);
            assertThat(tokens.matches(a, t)).isTrue();
            assertThat(tokens.matches(b, t)).isFalse();
            assertThat(tokens.matches(a, null)).isFalse();
            String rotated = tokens.rotate(a);
            assertThat(rotated).isNotEqualTo(t);
            assertThat(tokens.matches(a, t)).isFalse();
            assertThat(tokens.matches(a, rotated)).isTrue();

            new JdbcCatalog(db.dataSource(), Clock.systemUTC()).upsert(a, product("p", "1"));
            try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement()) {
                s.executeUpdate("DELETE FROM stores WHERE id = '" + a + "'");
            }
            assertThat(new JdbcCatalog(db.dataSource(), Clock.systemUTC()).count(a)).isZero();
            assertThat(tokens.matches(a, rotated)).isFalse();
        }
    }
}

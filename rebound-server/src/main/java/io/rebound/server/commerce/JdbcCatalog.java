package io.rebound.server.commerce;

import io.rebound.core.catalog.Availability;
import io.rebound.core.catalog.CatalogProduct;
import io.rebound.core.catalog.Condition;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The stores' product catalogs in the metadata database (table {@code catalog_products}, migration
 * V9), over plain JDBC, identical on H2 and PostgreSQL. Every method takes the store id: a store
 * reaches only its own rows. Products are stored valid ({@link CatalogProduct} is) and read back
 * through the same constructor.
 *
 * <p>An upsert is an UPDATE and, when no row was there, an INSERT: portable, and it tells a new
 * product from a replaced one. Two writers inserting the same new product race on the primary key;
 * the loser's transaction is retried once, and then finds the row. Database failures surface as
 * {@link IllegalStateException}.
 */
public final class JdbcCatalog {
    private static final String UNIQUE_VIOLATION = "23505";
    private static final String COLUMNS = "product_id, title, description, link, image_link, additional_image_links, "
            + "price, sale_price, currency, availability, item_condition, brand, google_product_category, "
            + "product_type, gtin, mpn, item_group_id, cost, inventory, created_at, updated_at";
    private static final String UPDATE = "UPDATE catalog_products SET title = ?, description = ?, link = ?, "
            + "image_link = ?, additional_image_links = ?, price = ?, sale_price = ?, currency = ?, availability = ?, "
            + "item_condition = ?, brand = ?, google_product_category = ?, product_type = ?, gtin = ?, mpn = ?, "
            + "item_group_id = ?, cost = ?, inventory = ?, updated_at = ? WHERE store_id = ? AND product_id = ?";
    private static final String INSERT = "INSERT INTO catalog_products (title, description, link, image_link, "
            + "additional_image_links, price, sale_price, currency, availability, item_condition, brand, "
            + "google_product_category, product_type, gtin, mpn, item_group_id, cost, inventory, updated_at, "
            + "store_id, product_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    /** Ids per {@code IN (...)} list when asking which of many ids exist. */
    private static final int IN_BATCH = 500;

    /**
     * A stored product with when it was first and last written.
     *
     * @param product   the product
     * @param createdAt first written
     * @param updatedAt last written
     */
    public record Entry(CatalogProduct product, Instant createdAt, Instant updatedAt) {
    }

    /**
     * What a batch did.
     *
     * @param created products that were new
     * @param updated products that replaced a stored one
     */
    public record Written(int created, int updated) {
    }

    private final DataSource dataSource;
    private final Clock clock;

    public JdbcCatalog(DataSource dataSource, Clock clock) {
        this.dataSource = dataSource;
        this.clock = clock;
    }

    /** Stores {@code product}, replacing one with its id; true if it was new. */
    public boolean upsert(String storeId, CatalogProduct product) {
        return upsertAll(storeId, List.of(product)).created() == 1;
    }

    /** Stores every product in one transaction: all of them, or none when the database fails. */
    public Written upsertAll(String storeId, List<CatalogProduct> products) {
        try {
            return write(storeId, products);
        } catch (SQLException e) {
            if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
                throw failure("store products", e);
            }
            try {
                return write(storeId, products);
            } catch (SQLException again) {
                throw failure("store products", again);
            }
        }
    }

    private Written write(String storeId, List<CatalogProduct> products) throws SQLException {
        OffsetDateTime now = now();
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try (PreparedStatement update = c.prepareStatement(UPDATE);
                 PreparedStatement insert = c.prepareStatement(INSERT)) {
                int created = 0;
                for (CatalogProduct p : products) {
                    bind(update, p, storeId, now);
                    if (update.executeUpdate() == 0) {
                        bind(insert, p, storeId, now);
                        insert.setObject(22, now);
                        insert.executeUpdate();
                        created++;
                    }
                }
                c.commit();
                return new Written(created, products.size() - created);
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(autoCommit);
            }
        }
    }

    /** Binds parameters 1..21 of {@link #UPDATE} and {@link #INSERT}, which list columns in the same order. */
    private static void bind(PreparedStatement ps, CatalogProduct p, String storeId, OffsetDateTime now)
            throws SQLException {
        ps.setString(1, p.title());
        ps.setString(2, p.description());
        ps.setString(3, p.link());
        ps.setString(4, p.imageLink());
        // Valid URLs hold no whitespace, so a line break separates them unambiguously.
        ps.setString(5, String.join("\n", p.additionalImageLinks()));
        ps.setBigDecimal(6, p.price());
        ps.setBigDecimal(7, p.salePrice());
        ps.setString(8, p.currency());
        ps.setString(9, p.availability().json());
        ps.setString(10, p.condition().json());
        ps.setString(11, p.brand());
        ps.setString(12, p.googleProductCategory());
        ps.setString(13, p.productType());
        ps.setString(14, p.gtin());
        ps.setString(15, p.mpn());
        ps.setString(16, p.itemGroupId());
        ps.setBigDecimal(17, p.cost());
        if (p.inventory() == null) {
            ps.setNull(18, Types.BIGINT);
        } else {
            ps.setLong(18, p.inventory());
        }
        ps.setObject(19, now);
        ps.setString(20, storeId);
        ps.setString(21, p.id());
    }

    public Optional<Entry> get(String storeId, String productId) {
        String sql = "SELECT " + COLUMNS + " FROM catalog_products WHERE store_id = ? AND product_id = ?";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, storeId);
            ps.setString(2, productId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(read(rs)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw failure("read product " + productId, e);
        }
    }

    /** Up to {@code limit} products in id order, after {@code afterId} (null: from the first). */
    public List<Entry> page(String storeId, String afterId, int limit) {
        String sql = "SELECT " + COLUMNS + " FROM catalog_products WHERE store_id = ?"
                + (afterId == null ? "" : " AND product_id > ?") + " ORDER BY product_id LIMIT ?";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            ps.setString(i++, storeId);
            if (afterId != null) {
                ps.setString(i++, afterId);
            }
            ps.setInt(i, limit);
            List<Entry> out = new ArrayList<>(Math.min(limit, 1_000));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(read(rs));
                }
            }
            return out;
        } catch (SQLException e) {
            throw failure("list products", e);
        }
    }

    /** True if the product was there. */
    public boolean delete(String storeId, String productId) {
        String sql = "DELETE FROM catalog_products WHERE store_id = ? AND product_id = ?";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, storeId);
            ps.setString(2, productId);
            return ps.executeUpdate() > 0;
        } catch (SQLException e) {
            throw failure("delete product " + productId, e);
        }
    }

    public long count(String storeId) {
        String sql = "SELECT COUNT(*) FROM catalog_products WHERE store_id = ?";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, storeId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw failure("count products", e);
        }
    }

    /** Those of {@code productIds} that are in the store's catalog. */
    public Set<String> existing(String storeId, Collection<String> productIds) {
        Set<String> out = new HashSet<>();
        String[] ids = productIds.stream().filter(CatalogProduct::validId).distinct().toArray(String[]::new);
        try (Connection c = dataSource.getConnection()) {
            for (int from = 0; from < ids.length; from += IN_BATCH) {
                String[] batch = Arrays.copyOfRange(ids, from, Math.min(ids.length, from + IN_BATCH));
                String sql = "SELECT product_id FROM catalog_products WHERE store_id = ? AND product_id IN ("
                        + "?, ".repeat(batch.length - 1) + "?)";
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    ps.setString(1, storeId);
                    for (int i = 0; i < batch.length; i++) {
                        ps.setString(i + 2, batch[i]);
                    }
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            out.add(rs.getString(1));
                        }
                    }
                }
            }
            return out;
        } catch (SQLException e) {
            throw failure("look up product ids", e);
        }
    }

    /**
     * The products of {@code productIds} that are in the store's catalog, by id: one indexed point read
     * each on one connection (an {@code IN} list over the two-column key is a scan of the store's rows
     * on H2), so meant for the few ids of one answer.
     */
    public java.util.Map<String, CatalogProduct> products(String storeId, Collection<String> productIds) {
        java.util.Map<String, CatalogProduct> out = new java.util.HashMap<>();
        String sql = "SELECT " + COLUMNS + " FROM catalog_products WHERE store_id = ? AND product_id = ?";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, storeId);
            for (String id : productIds) {
                if (!CatalogProduct.validId(id) || out.containsKey(id)) {
                    continue;
                }
                ps.setString(2, id);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        out.put(id, read(rs).product());
                    }
                }
            }
            return out;
        } catch (SQLException e) {
            throw failure("read products", e);
        }
    }

    private static Entry read(ResultSet rs) throws SQLException {
        String images = rs.getString("additional_image_links");
        long inventory = rs.getLong("inventory");
        Long inv = rs.wasNull() ? null : inventory;
        CatalogProduct p = new CatalogProduct(rs.getString("product_id"), rs.getString("title"),
                rs.getString("description"), rs.getString("link"), rs.getString("image_link"),
                images.isEmpty() ? List.of() : List.of(images.split("\n")), rs.getBigDecimal("price"),
                rs.getBigDecimal("sale_price"), rs.getString("currency"),
                Availability.parse(rs.getString("availability")).orElseThrow(),
                Condition.parse(rs.getString("item_condition")).orElseThrow(), rs.getString("brand"),
                rs.getString("google_product_category"), rs.getString("product_type"), rs.getString("gtin"),
                rs.getString("mpn"), rs.getString("item_group_id"), rs.getBigDecimal("cost"), inv);
        return new Entry(p, rs.getObject("created_at", OffsetDateTime.class).toInstant(),
                rs.getObject("updated_at", OffsetDateTime.class).toInstant());
    }

    /** Now, at the microsecond precision PostgreSQL keeps, so a stored instant reads back equal. */
    private OffsetDateTime now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS).atOffset(ZoneOffset.UTC);
    }

    static IllegalStateException failure(String what, SQLException e) {
        return new IllegalStateException("metadata database: cannot " + what + " (" + e.getSQLState() + ")", e);
    }
}

package io.rebound.server.commerce;

import io.rebound.core.catalog.Availability;
import io.rebound.core.catalog.CatalogProduct;
import io.rebound.core.catalog.Condition;
import io.rebound.server.meta.Statements;

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
     * A catalog's version, bumped by every write and delete (table {@code catalog_changes}).
     *
     * @param version   0 for a catalog never written
     * @param changedAt when it last changed, null for a catalog never written
     */
    public record Change(long version, Instant changedAt) {
        static final Change NEVER = new Change(0, null);
    }

    /**
     * One page of a search.
     *
     * @param products the page's products, in id order
     * @param total    products that match, on every page
     */
    public record Found(List<Entry> products, long total) {
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
    private final ProductCache.Generations generations;

    public JdbcCatalog(DataSource dataSource, Clock clock) {
        this.dataSource = dataSource;
        this.clock = clock;
        this.generations = ProductCache.generations(dataSource);
    }

    public DataSource dataSource() {
        return dataSource;
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
        } finally {
            generations.bump(storeId); // after the commit: cached rows of the store are read again (ProductCache)
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
                if (!products.isEmpty()) {
                    changed(c, storeId, now);
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

    /**
     * Up to {@code limit} products in id order, after {@code afterId} (null: from the first). Ordered by
     * {@code store_id, product_id}, the primary key's order, so that H2 too reads the index in order and
     * stops at the limit (ordered by {@code product_id} alone, it sorted every remaining row per page: a
     * 100,000-product feed took minutes).
     */
    public List<Entry> page(String storeId, String afterId, int limit) {
        return keyset(COLUMNS, storeId, afterId, limit, JdbcCatalog::read, "list products");
    }

    /** A page of {@code columns} in the primary key's order, after {@code afterId} (null: from the first). */
    private <T> List<T> keyset(String columns, String storeId, String afterId, int limit, Statements.Row<T> row,
                              String what) {
        String sql = "SELECT " + columns + " FROM catalog_products WHERE store_id = ?"
                + (afterId == null ? "" : " AND product_id > ?") + " ORDER BY store_id, product_id LIMIT ?";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            ps.setString(i++, storeId);
            if (afterId != null) {
                ps.setString(i++, afterId);
            }
            ps.setInt(i, limit);
            List<T> out = new ArrayList<>(Math.min(limit, 1_000));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(row.read(rs));
                }
            }
            return out;
        } catch (SQLException e) {
            throw failure(what, e);
        }
    }

    /** True if the product was there. */
    public boolean delete(String storeId, String productId) {
        try {
            return deleteOnce(storeId, productId);
        } catch (SQLException e) {
            if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
                throw failure("delete product " + productId, e);
            }
            try {
                return deleteOnce(storeId, productId);
            } catch (SQLException again) {
                throw failure("delete product " + productId, again);
            }
        } finally {
            generations.bump(storeId);
        }
    }

    private boolean deleteOnce(String storeId, String productId) throws SQLException {
        String sql = "DELETE FROM catalog_products WHERE store_id = ? AND product_id = ?";
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, storeId);
                ps.setString(2, productId);
                boolean deleted = ps.executeUpdate() > 0;
                if (deleted) {
                    changed(c, storeId, now());
                }
                c.commit();
                return deleted;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(autoCommit);
            }
        }
    }

    /** Bumps the store's catalog version in the caller's transaction. */
    private static void changed(Connection c, String storeId, OffsetDateTime now) throws SQLException {
        try (PreparedStatement up = c.prepareStatement(
                "UPDATE catalog_changes SET version = version + 1, changed_at = ? WHERE store_id = ?")) {
            up.setObject(1, now);
            up.setString(2, storeId);
            if (up.executeUpdate() > 0) {
                return;
            }
        }
        // A concurrent first write of the same store loses on the primary key; its caller retries once.
        try (PreparedStatement in = c.prepareStatement(
                "INSERT INTO catalog_changes (store_id, version, changed_at) VALUES (?, 1, ?)")) {
            in.setString(1, storeId);
            in.setObject(2, now);
            in.executeUpdate();
        }
    }

    /** The store's catalog version and when it last changed; what a feed's ETag and Last-Modified say. */
    public Change change(String storeId) {
        String sql = "SELECT version, changed_at FROM catalog_changes WHERE store_id = ?";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, storeId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new Change(rs.getLong(1), rs.getObject(2, OffsetDateTime.class).toInstant())
                        : Change.NEVER;
            }
        } catch (SQLException e) {
            throw failure("read the catalog's version", e);
        }
    }

    /**
     * The products whose id or title contains {@code query} (case-insensitive; blank: all), in id order,
     * {@code limit} from {@code offset}: the dashboard's search. A scan of the store's rows, which is
     * what a person paging through a catalog can wait for.
     */
    public Found search(String storeId, String query, int offset, int limit) {
        String q = query == null ? "" : query.strip().toLowerCase(java.util.Locale.ROOT);
        String where = " FROM catalog_products WHERE store_id = ?"
                + (q.isEmpty() ? "" : " AND (LOWER(product_id) LIKE ? ESCAPE '!' OR LOWER(title) LIKE ? ESCAPE '!')");
        String pattern = "%" + q.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%";
        try (Connection c = dataSource.getConnection()) {
            long total;
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*)" + where)) {
                bindSearch(ps, storeId, q, pattern);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    total = rs.getLong(1);
                }
            }
            List<Entry> out = new ArrayList<>(Math.min(limit, 1_000));
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + where
                    + " ORDER BY store_id, product_id LIMIT ? OFFSET ?")) {
                int i = bindSearch(ps, storeId, q, pattern);
                ps.setInt(i++, limit);
                ps.setInt(i, offset);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(read(rs));
                    }
                }
            }
            return new Found(out, total);
        } catch (SQLException e) {
            throw failure("search products", e);
        }
    }

    /** Binds the store and, for a query, its two patterns; returns the next parameter index. */
    private static int bindSearch(PreparedStatement ps, String storeId, String q, String pattern) throws SQLException {
        ps.setString(1, storeId);
        if (q.isEmpty()) {
            return 2;
        }
        ps.setString(2, pattern);
        ps.setString(3, pattern);
        return 4;
    }

    /** Up to {@code limit} product ids in id order after {@code afterId} (null: from the first). */
    public List<String> ids(String storeId, String afterId, int limit) {
        return keyset("product_id", storeId, afterId, limit, rs -> rs.getString(1), "list product ids");
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

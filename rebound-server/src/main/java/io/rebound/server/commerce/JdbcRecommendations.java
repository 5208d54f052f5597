package io.rebound.server.commerce;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.rebound.core.recommendation.MerchantRules;
import io.rebound.server.meta.Transactions;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a store sets for its recommendations, in the metadata database (migration V16): the
 * complements it pairs with a product ({@code product_complements}) and its merchant rules
 * ({@code recommendation_rules}). Every method takes the store id: a store reaches only its own rows.
 *
 * <p>Both are read on every recommendation, so they are kept for {@link ProductCache#TTL} per instance;
 * a change made through this instance (the API's) drops what it replaces at once, one made on another
 * node shows here within that time.
 */
public final class JdbcRecommendations {
    /** Complements per product at most. */
    public static final int MAX_COMPLEMENTS = 20;

    private final DataSource dataSource;
    private final Clock clock;

    private record ProductKey(String storeId, String productId) {
    }

    private final Cache<String, MerchantRules> rules = Caffeine.newBuilder().maximumSize(10_000)
            .expireAfterWrite(ProductCache.TTL).build();
    private final Cache<ProductKey, List<String>> complements = Caffeine.newBuilder()
            .maximumSize(ProductCache.MAX_ROWS).expireAfterWrite(ProductCache.TTL).build();

    public JdbcRecommendations(DataSource dataSource, Clock clock) {
        this.dataSource = dataSource;
        this.clock = clock;
    }

    /** Replaces the product's complements with {@code complements} (in that order; empty removes them). */
    public void setComplements(String storeId, String productId, List<String> complements) {
        Transactions.run(dataSource, () -> "metadata database: cannot store the complements of " + productId, c -> {
            try (PreparedStatement del = c.prepareStatement(
                    "DELETE FROM product_complements WHERE store_id = ? AND product_id = ?")) {
                del.setString(1, storeId);
                del.setString(2, productId);
                del.executeUpdate();
            }
            try (PreparedStatement ins = c.prepareStatement("INSERT INTO product_complements "
                    + "(store_id, product_id, position, complement_id) VALUES (?, ?, ?, ?)")) {
                for (int i = 0; i < complements.size(); i++) {
                    ins.setString(1, storeId);
                    ins.setString(2, productId);
                    ins.setInt(3, i);
                    ins.setString(4, complements.get(i));
                    ins.addBatch();
                }
                if (!complements.isEmpty()) {
                    ins.executeBatch();
                }
            }
        });
        this.complements.invalidate(new ProductKey(storeId, productId));
    }

    /**
     * The complements of each of {@code productIds} that has some, in the store's order: an indexed
     * read per product on one connection (an {@code IN} list is a scan on H2).
     */
    public Map<String, List<String>> complements(String storeId, Collection<String> productIds) {
        Map<String, List<String>> out = new HashMap<>();
        List<String> missing = new ArrayList<>();
        for (String id : productIds) {
            List<String> cached = complements.getIfPresent(new ProductKey(storeId, id));
            if (cached == null) {
                missing.add(id);
            } else if (!cached.isEmpty()) {
                out.put(id, cached);
            }
        }
        if (missing.isEmpty()) {
            return out;
        }
        String sql = "SELECT complement_id FROM product_complements WHERE store_id = ? AND product_id = ? ORDER BY position";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, storeId);
            for (String id : missing) {
                if (out.containsKey(id)) {
                    continue;
                }
                ps.setString(2, id);
                List<String> list = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        list.add(rs.getString(1));
                    }
                }
                complements.put(new ProductKey(storeId, id), List.copyOf(list));
                if (!list.isEmpty()) {
                    out.put(id, list);
                }
            }
            return out;
        } catch (SQLException e) {
            throw JdbcCatalog.failure("read complements", e);
        }
    }

    /** The store's merchant rules ({@link MerchantRules#DEFAULT} when it set none). */
    public MerchantRules rules(String storeId) {
        return rules.get(storeId, this::readRules);
    }

    private MerchantRules readRules(String storeId) {
        String sql = "SELECT in_stock_only, min_margin_percent FROM recommendation_rules WHERE store_id = ?";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, storeId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return MerchantRules.DEFAULT;
                }
                return new MerchantRules(rs.getBoolean(1), rs.getBigDecimal(2));
            }
        } catch (SQLException e) {
            throw JdbcCatalog.failure("read recommendation rules", e);
        }
    }

    /** Stores the store's merchant rules, replacing any. */
    public void setRules(String storeId, MerchantRules rules) {
        Transactions.run(dataSource, () -> "metadata database: cannot store recommendation rules", c -> {
            try (PreparedStatement del = c.prepareStatement("DELETE FROM recommendation_rules WHERE store_id = ?")) {
                del.setString(1, storeId);
                del.executeUpdate();
            }
            try (PreparedStatement ins = c.prepareStatement("INSERT INTO recommendation_rules "
                    + "(store_id, in_stock_only, min_margin_percent, updated_at) VALUES (?, ?, ?, ?)")) {
                ins.setString(1, storeId);
                ins.setBoolean(2, rules.inStockOnly());
                ins.setBigDecimal(3, rules.minMarginPercent());
                ins.setObject(4, clock.instant().truncatedTo(ChronoUnit.MICROS).atOffset(ZoneOffset.UTC));
                ins.executeUpdate();
            }
        });
        this.rules.invalidate(storeId);
    }
}

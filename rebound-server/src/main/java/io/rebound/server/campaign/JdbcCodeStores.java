package io.rebound.server.campaign;

import io.rebound.server.activation.CredentialKeys;
import io.rebound.server.json.Json;
import io.rebound.server.meta.Statements;

import javax.sql.DataSource;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Each store's connection for creating codes in its shop ({@code campaign_code_stores}, V18), its API
 * credentials encrypted with the credentials keyring destinations and webhooks use, bound to the store
 * (a ciphertext copied to another row does not decrypt); and the codes still to create there.
 */
public final class JdbcCodeStores {
    /** Attempts at creating one code before it is left failed. */
    public static final int MAX_ATTEMPTS = 5;
    private final DataSource dataSource;
    private final CredentialKeys keys;
    private final Clock clock;

    public JdbcCodeStores(DataSource dataSource, CredentialKeys keys, Clock clock) {
        this.dataSource = dataSource;
        this.keys = keys;
        this.clock = clock;
    }

    /** A code of the store not yet created there, with what creating it needs. */
    public record Pending(String storeId, String campaignId, String personId, int touch, StoreDiscounts.Code code,
                          int attempts) {
    }

    private static String context(String storeId) {
        return "code-store:" + storeId;
    }

    public void put(String storeId, StoreDiscounts.Connection c) {
        String sealed;
        try {
            sealed = keys.encrypt(Json.MAPPER.writeValueAsString(c.credentials()), context(storeId));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        io.rebound.server.meta.Transactions.run(dataSource, () -> "code store", conn -> {
            Statements.update(conn, "DELETE FROM campaign_code_stores WHERE store_id = ?", storeId);
            Statements.update(conn, "INSERT INTO campaign_code_stores (store_id, platform, shop_url, api_version, mode, "
                    + "credentials, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)", storeId, c.platform(), c.shopUrl(), c.apiVersion(),
                    c.live() ? "live" : "dry_run", sealed, OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC));
        });
    }

    public Optional<StoreDiscounts.Connection> get(String storeId) {
        try (Connection conn = dataSource.getConnection(); PreparedStatement ps = conn.prepareStatement(
                "SELECT platform, shop_url, api_version, mode, credentials FROM campaign_code_stores WHERE store_id = ?")) {
            ps.setString(1, storeId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                Map<String, String> credentials = new LinkedHashMap<>();
                Json.MAPPER.readTree(keys.decrypt(rs.getString(5), context(storeId)))
                        .properties().forEach(e -> credentials.put(e.getKey(), e.getValue().asText()));
                return Optional.of(new StoreDiscounts.Connection(rs.getString(1), rs.getString(2), rs.getString(3),
                        "live".equals(rs.getString(4)), credentials));
            }
        } catch (SQLException | java.io.IOException e) {
            throw new IllegalStateException("read the code store of " + storeId + ": " + e.getMessage(), e);
        }
    }

    public boolean delete(String storeId) {
        try (Connection conn = dataSource.getConnection()) {
            return Statements.update(conn, "DELETE FROM campaign_code_stores WHERE store_id = ?", storeId) > 0;
        } catch (SQLException e) {
            throw JdbcCampaigns.failure("delete the code store", e);
        }
    }

    /** Stores that have a connection. */
    public List<String> stores() {
        List<String> out = new ArrayList<>();
        try (Connection conn = dataSource.getConnection(); PreparedStatement ps = conn.prepareStatement(
                "SELECT store_id FROM campaign_code_stores ORDER BY store_id"); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        } catch (SQLException e) {
            throw JdbcCampaigns.failure("list code stores", e);
        }
    }

    /** The store's codes not created yet (never tried, or failed fewer than {@link #MAX_ATTEMPTS} times), oldest first. */
    public List<Pending> pending(String storeId, int limit, JdbcCampaigns campaigns) {
        List<Pending> out = new ArrayList<>();
        try (Connection conn = dataSource.getConnection(); PreparedStatement ps = conn.prepareStatement(
                "SELECT campaign_id, person_id, touch, code, percent_off, issued_at, expires_at, store_attempts "
                        + "FROM campaign_offers WHERE store_id = ? AND (store_state IS NULL OR (store_state = 'failed' "
                        + "AND store_attempts < " + MAX_ATTEMPTS + ")) AND expires_at > ? ORDER BY issued_at, code LIMIT "
                        + limit)) {
            ps.setString(1, storeId);
            ps.setObject(2, OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String campaignId = rs.getString(1);
                    int touch = rs.getInt(3);
                    BigDecimal minimum = campaigns.get(storeId, campaignId)
                            .filter(c -> touch < c.definition().touches().size())
                            .map(c -> c.definition().touches().get(touch).offer())
                            .map(o -> o == null ? null : o.minimumOrder()).orElse(null);
                    out.add(new Pending(storeId, campaignId, rs.getString(2), touch, new StoreDiscounts.Code(
                            rs.getString(4), campaignId, rs.getInt(5), minimum,
                            rs.getObject(6, OffsetDateTime.class).toInstant(),
                            rs.getObject(7, OffsetDateTime.class).toInstant()), rs.getInt(8)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw JdbcCampaigns.failure("read codes to create in the store", e);
        }
    }

    /** Records how creating {@code code} went: created, dry_run (with the requests) or failed (with why). */
    public void mark(String code, String state, String detail) {
        try (Connection conn = dataSource.getConnection()) {
            Statements.update(conn, "UPDATE campaign_offers SET store_state = ?, store_detail = ?, "
                    + "store_attempts = COALESCE(store_attempts, 0) + 1 WHERE code = ?", state,
                    detail == null ? null : detail.length() > 4000 ? detail.substring(0, 3999) + "…" : detail, code);
        } catch (SQLException e) {
            throw JdbcCampaigns.failure("mark a code", e);
        }
    }

    /** How creating the code in the store went: state and detail, if it was tried. */
    public Optional<String[]> state(String code) {
        try (Connection conn = dataSource.getConnection(); PreparedStatement ps = conn.prepareStatement(
                "SELECT store_state, store_detail, store_attempts FROM campaign_offers WHERE code = ?")) {
            ps.setString(1, code);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getString(1) != null
                        ? Optional.of(new String[]{rs.getString(1), rs.getString(2), String.valueOf(rs.getInt(3))})
                        : Optional.empty();
            }
        } catch (SQLException e) {
            throw JdbcCampaigns.failure("read a code's store state", e);
        }
    }
}

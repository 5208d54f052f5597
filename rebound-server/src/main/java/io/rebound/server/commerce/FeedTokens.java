package io.rebound.server.commerce;

import javax.sql.DataSource;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Optional;

/**
 * The token that makes a store's feed URLs unguessable (table {@code catalog_feeds}). Platforms
 * fetch feeds without credentials, so the URL is the credential: 192 random bits, compared in
 * constant time. A store gets its token the first time it is asked for; rotating replaces it, and
 * the old URLs stop working at once.
 *
 * @param dataSource the database of {@code catalog_feeds}
 * @param clock      when a token is created or rotated
 */
public record FeedTokens(DataSource dataSource, Clock clock) {
    static final String PREFIX = "ft_";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String UNIQUE_VIOLATION = "23505";

    /** The store's token, created on first use. */
    public String tokenFor(String storeId) {
        Optional<String> existing = read(storeId);
        if (existing.isPresent()) {
            return existing.get();
        }
        String token = newToken();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO catalog_feeds (store_id, token, created_at) VALUES (?, ?, ?)")) {
            ps.setString(1, storeId);
            ps.setString(2, token);
            ps.setObject(3, clock.instant().truncatedTo(ChronoUnit.MICROS).atOffset(ZoneOffset.UTC));
            ps.executeUpdate();
            return token;
        } catch (SQLException e) {
            if (UNIQUE_VIOLATION.equals(e.getSQLState())) {
                return read(storeId).orElseThrow(() -> JdbcCatalog.failure("create a feed token", e));
            }
            throw JdbcCatalog.failure("create a feed token", e);
        }
    }

    /** A new token for the store; the old one stops working. */
    public String rotate(String storeId) {
        tokenFor(storeId);
        String token = newToken();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE catalog_feeds SET token = ? WHERE store_id = ?")) {
            ps.setString(1, token);
            ps.setString(2, storeId);
            ps.executeUpdate();
            return token;
        } catch (SQLException e) {
            throw JdbcCatalog.failure("rotate the feed token", e);
        }
    }

    /** True if {@code presented} is the store's token (constant time); false when it has none. */
    public boolean matches(String storeId, String presented) {
        if (presented == null || presented.length() > 100) {
            return false;
        }
        Optional<String> token = read(storeId);
        return token.isPresent() && MessageDigest.isEqual(token.get().getBytes(StandardCharsets.UTF_8),
                presented.getBytes(StandardCharsets.UTF_8));
    }

    private Optional<String> read(String storeId) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT token FROM catalog_feeds WHERE store_id = ?")) {
            ps.setString(1, storeId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw JdbcCatalog.failure("read the feed token", e);
        }
    }

    private static String newToken() {
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}

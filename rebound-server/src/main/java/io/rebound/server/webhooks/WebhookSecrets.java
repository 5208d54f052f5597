package io.rebound.server.webhooks;

import io.rebound.server.activation.CredentialKeys;
import io.rebound.server.meta.Statements;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The secrets that sign a store's webhook deliveries, one per store and platform (table
 * {@code store_webhook_secrets}), encrypted with the server's credentials keyring and bound to the
 * store and platform, so a ciphertext copied to another row does not decrypt. Setting a secret
 * replaces the old one at once: a delivery signed with it is refused from then on. Plain JDBC;
 * callers run it off the event loop.
 */
public final class WebhookSecrets {
    /** Shortest secret accepted: a short HMAC key can be guessed offline from one signed delivery. */
    public static final int MIN_LENGTH = 16;
    public static final int MAX_LENGTH = 500;
    private static final String UNIQUE_VIOLATION = "23505";

    private final DataSource dataSource;
    private final CredentialKeys keys;
    private final Clock clock;

    /** What may be shown about a stored secret. */
    public record Hint(WebhookPlatform platform, String lastFour, Instant updatedAt) {
    }

    public WebhookSecrets(DataSource dataSource, CredentialKeys keys, Clock clock) {
        this.dataSource = dataSource;
        this.keys = keys;
        this.clock = clock;
    }

    /** Stores {@code secret} for the store's platform, replacing any other; returns what may be shown. */
    public Hint set(String storeId, WebhookPlatform platform, String secret) {
        String sealed = keys.encrypt(secret, context(storeId, platform));
        String hint = secret.substring(secret.length() - 4);
        OffsetDateTime now = clock.instant().truncatedTo(ChronoUnit.MICROS).atOffset(ZoneOffset.UTC);
        for (int attempt = 0; ; attempt++) {
            try (Connection c = dataSource.getConnection()) {
                if (Statements.update(c, "UPDATE store_webhook_secrets SET secret = ?, secret_hint = ?, updated_at = ? "
                        + "WHERE store_id = ? AND platform = ?", sealed, hint, now, storeId, platform.id()) == 0) {
                    Statements.update(c, "INSERT INTO store_webhook_secrets (store_id, platform, secret, secret_hint, "
                            + "updated_at) VALUES (?, ?, ?, ?, ?)", storeId, platform.id(), sealed, hint, now);
                }
                return new Hint(platform, hint, now.toInstant());
            } catch (SQLException e) {
                // Two writers inserting the first secret race on the key; the loser updates instead.
                if (!UNIQUE_VIOLATION.equals(e.getSQLState()) || attempt > 0) {
                    throw failure("store a webhook secret", e);
                }
            }
        }
    }

    /** The store's secret for {@code platform}, decrypted; empty when none is set. */
    public Optional<String> secret(String storeId, WebhookPlatform platform) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT secret FROM store_webhook_secrets WHERE store_id = ? AND platform = ?")) {
            ps.setString(1, storeId);
            ps.setString(2, platform.id());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(keys.decrypt(rs.getString(1), context(storeId, platform)))
                        : Optional.empty();
            }
        } catch (SQLException e) {
            throw failure("read a webhook secret", e);
        }
    }

    /** What is set for the store, by platform. */
    public List<Hint> hints(String storeId) {
        List<Hint> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT platform, secret_hint, updated_at FROM store_webhook_secrets WHERE store_id = ? ORDER BY platform")) {
            ps.setString(1, storeId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Optional<WebhookPlatform> p = WebhookPlatform.byId(rs.getString(1));
                    if (p.isPresent()) {
                        out.add(new Hint(p.get(), rs.getString(2), rs.getObject(3, OffsetDateTime.class).toInstant()));
                    }
                }
            }
            return out;
        } catch (SQLException e) {
            throw failure("list webhook secrets", e);
        }
    }

    /** Removes the store's secret for {@code platform}; false when there was none. */
    public boolean delete(String storeId, WebhookPlatform platform) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "DELETE FROM store_webhook_secrets WHERE store_id = ? AND platform = ?")) {
            ps.setString(1, storeId);
            ps.setString(2, platform.id());
            return ps.executeUpdate() > 0;
        } catch (SQLException e) {
            throw failure("delete a webhook secret", e);
        }
    }

    /**
     * Re-encrypts under the keyring's active key every secret an older key holds (after the keyring
     * was rotated), so the old key can then be removed; returns how many rows were rewritten.
     */
    public int reencrypt() {
        int rewritten = 0;
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT store_id, platform, secret FROM store_webhook_secrets");
             PreparedStatement up = c.prepareStatement(
                     "UPDATE store_webhook_secrets SET secret = ? WHERE store_id = ? AND platform = ? AND secret = ?");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String sealed = rs.getString(3);
                Optional<WebhookPlatform> platform = WebhookPlatform.byId(rs.getString(2));
                if (platform.isEmpty() || CredentialKeys.keyIdOf(sealed).equals(keys.activeKeyId())) {
                    continue;
                }
                String context = context(rs.getString(1), platform.get());
                up.setString(1, keys.encrypt(keys.decrypt(sealed, context), context));
                up.setString(2, rs.getString(1));
                up.setString(3, platform.get().id());
                up.setString(4, sealed);
                rewritten += up.executeUpdate();
            }
            return rewritten;
        } catch (SQLException e) {
            throw failure("re-encrypt webhook secrets", e);
        }
    }

    private static String context(String storeId, WebhookPlatform platform) {
        return "rebound-webhook\u0000" + storeId + "\u0000" + platform.id();
    }

    private static IllegalStateException failure(String what, SQLException e) {
        return new IllegalStateException("metadata database: cannot " + what + " (" + e.getSQLState() + ")", e);
    }
}

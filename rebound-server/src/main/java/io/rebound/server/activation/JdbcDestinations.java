package io.rebound.server.activation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import io.rebound.core.activation.Platform;
import io.rebound.destinations.Mode;
import io.rebound.server.json.Json;
import io.rebound.server.meta.Statements;

import javax.sql.DataSource;
import java.net.URI;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The connected destinations, in the metadata database (table {@code destinations}, migration V8), their
 * credentials encrypted with {@link CredentialKeys} and bound to the row's store and id. Plain JDBC,
 * identical on H2 and PostgreSQL. Database failures surface as {@link IllegalStateException}.
 */
public final class JdbcDestinations {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };
    private static final TypeReference<Map<String, String>> STRINGS = new TypeReference<>() {
    };
    private static final String COLUMNS = "id, store_id, platform, name, mode, api_base_url, settings, secrets, created_at, updated_at";

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(JdbcDestinations.class);
    private final java.util.Set<String> unreadable = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final DataSource ds;
    private final CredentialKeys keys;
    private final Clock clock;

    public JdbcDestinations(DataSource ds, CredentialKeys keys, Clock clock) {
        this.ds = Objects.requireNonNull(ds, "ds");
        this.keys = Objects.requireNonNull(keys, "keys");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * A connected destination, credentials decrypted.
     *
     * @param apiBaseUrl the platform base URL override, or null for the platform's own
     */
    public record Record(String id, String storeId, String name, Mode mode, URI apiBaseUrl, DestinationSettings settings,
                         Instant createdAt, Instant updatedAt) {
        public Platform platform() {
            return settings.platform();
        }
    }

    /** A new destination id: {@code ds_} and 20 random hex characters. */
    public static String newId() {
        byte[] b = new byte[10];
        RANDOM.nextBytes(b);
        return "ds_" + HexFormat.of().formatHex(b);
    }

    private static String context(String storeId, String id) {
        return "rebound-destination\u0000" + storeId + "\u0000" + id;
    }

    public Record create(String storeId, String name, Mode mode, URI apiBaseUrl, DestinationSettings settings) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        Record r = new Record(newId(), storeId, name, mode, apiBaseUrl, settings, now, now);
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO destinations (id, store_id, platform, name, mode, api_base_url, settings, secrets, "
                        + "secret_hints, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, r.id());
            ps.setString(2, storeId);
            ps.setString(3, settings.platform().id());
            bindMutable(ps, 4, r);
            ps.setTimestamp(10, Timestamp.from(now));
            ps.setTimestamp(11, Timestamp.from(now));
            ps.executeUpdate();
            return r;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot store destination: " + e.getMessage(), e);
        }
    }

    /** Binds name, mode, api_base_url, settings, secrets and secret_hints from {@code at}. */
    private void bindMutable(PreparedStatement ps, int at, Record r) throws SQLException {
        ps.setString(at, r.name());
        ps.setString(at + 1, wire(r.mode()));
        ps.setString(at + 2, r.apiBaseUrl() == null ? null : r.apiBaseUrl().toString());
        ps.setString(at + 3, json(r.settings().settings()));
        ps.setString(at + 4, keys.encrypt(json(r.settings().secrets()), context(r.storeId(), r.id())));
        ps.setString(at + 5, json(r.settings().hints()));
    }

    /** Replaces a destination's name, mode, base URL and settings; false when it does not exist. */
    public boolean update(Record r) {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "UPDATE destinations SET name = ?, mode = ?, api_base_url = ?, settings = ?, secrets = ?, secret_hints = ?, "
                        + "updated_at = ? WHERE id = ? AND store_id = ?")) {
            bindMutable(ps, 1, r);
            ps.setTimestamp(7, Timestamp.from(clock.instant().truncatedTo(ChronoUnit.MICROS)));
            ps.setString(8, r.id());
            ps.setString(9, r.storeId());
            return ps.executeUpdate() == 1;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot update destination: " + e.getMessage(), e);
        }
    }

    /** Removes a destination with its pairings, uploaded-member records and dead letters; false when absent. */
    public boolean delete(String storeId, String id) {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM destination_members WHERE pairing_no IN "
                        + "(SELECT pairing_no FROM destination_pairings WHERE destination_id = ? AND store_id = ?)")) {
                    ps.setString(1, id);
                    ps.setString(2, storeId);
                    ps.executeUpdate();
                }
                for (String table : List.of("destination_dead_letters", "destination_pairings",
                        "destination_event_cursors")) {
                    try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table
                            + " WHERE destination_id = ? AND store_id = ?")) {
                        ps.setString(1, id);
                        ps.setString(2, storeId);
                        ps.executeUpdate();
                    }
                }
                int n;
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM destinations WHERE id = ? AND store_id = ?")) {
                    ps.setString(1, id);
                    ps.setString(2, storeId);
                    n = ps.executeUpdate();
                }
                c.commit();
                return n == 1;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot delete destination: " + e.getMessage(), e);
        }
    }

    public Optional<Record> get(String storeId, String id) {
        List<Record> found = query("SELECT " + COLUMNS + " FROM destinations WHERE id = ? AND store_id = ?", id, storeId);
        return found.stream().findFirst();
    }

    /** A store's destinations, oldest first. */
    public List<Record> list(String storeId) {
        return query("SELECT " + COLUMNS + " FROM destinations WHERE store_id = ? ORDER BY created_at, id", storeId);
    }

    /**
     * Every destination of every store this server can decrypt, oldest first (what a server starts
     * workers for). A row held under a key this server's keyring lacks is left out and reported once.
     */
    public List<Record> all() {
        List<Record> out = new ArrayList<>();
        try (Connection c = ds.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM destinations ORDER BY created_at, id");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                try {
                    out.add(read(rs));
                } catch (IllegalStateException e) {
                    if (unreadable.add(rs.getString(1))) {
                        LOG.warn("destination {} of store {} is skipped: {}", rs.getString(1), rs.getString(2), e.getMessage());
                    }
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read destinations: " + e.getMessage(), e);
        }
    }

    public int count(String storeId) {
        try (Connection c = ds.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM destinations WHERE store_id = ?")) {
            ps.setString(1, storeId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot count destinations: " + e.getMessage(), e);
        }
    }

    /**
     * Re-encrypts every destination whose credentials are held under a key other than the active one
     * (after a rotation); returns how many were rewritten.
     */
    public int reencrypt() {
        int n = 0;
        try (Connection c = ds.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT id, store_id, secrets FROM destinations");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String id = rs.getString(1);
                String store = rs.getString(2);
                String sealed = rs.getString(3);
                if (CredentialKeys.keyIdOf(sealed).equals(keys.activeKeyId())) {
                    continue;
                }
                String plain = keys.decrypt(sealed, context(store, id));
                try (PreparedStatement up = c.prepareStatement(
                        "UPDATE destinations SET secrets = ? WHERE id = ? AND store_id = ? AND secrets = ?")) {
                    up.setString(1, keys.encrypt(plain, context(store, id)));
                    up.setString(2, id);
                    up.setString(3, store);
                    up.setString(4, sealed);
                    n += up.executeUpdate();
                }
            }
            return n;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot re-encrypt destinations: " + e.getMessage(), e);
        }
    }

    private List<Record> query(String sql, String... args) {
        return Statements.list(ds, "cannot read destinations", sql, this::read, args);
    }

    private Record read(ResultSet rs) throws SQLException {
        String id = rs.getString(1);
        String store = rs.getString(2);
        Platform platform = platform(rs.getString(3));
        String base = rs.getString(6);
        try {
            Map<String, Object> settings = Json.MAPPER.readValue(rs.getString(7), MAP);
            Map<String, String> secrets = Json.MAPPER.readValue(keys.decrypt(rs.getString(8), context(store, id)), STRINGS);
            return new Record(id, store, rs.getString(4), mode(rs.getString(5)), base == null ? null : URI.create(base),
                    new DestinationSettings(platform, settings, secrets), rs.getTimestamp(9).toInstant(),
                    rs.getTimestamp(10).toInstant());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("destination " + id + " has unreadable settings", e);
        }
    }

    public static Platform platform(String id) {
        for (Platform p : Platform.values()) {
            if (p.id().equals(id)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown platform " + id);
    }

    /** The API's name of a mode: {@code live} or {@code dry_run}. */
    public static String wire(Mode mode) {
        return mode == Mode.LIVE ? "live" : "dry_run";
    }

    public static Mode mode(String wire) {
        return switch (wire) {
            case "live" -> Mode.LIVE;
            case "dry_run" -> Mode.DRY_RUN;
            default -> throw new IllegalArgumentException("mode must be live or dry_run, got " + wire);
        };
    }

    private static String json(Object o) {
        try {
            return Json.MAPPER.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}

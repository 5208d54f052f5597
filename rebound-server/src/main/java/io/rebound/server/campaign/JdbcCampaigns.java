package io.rebound.server.campaign;

import io.rebound.core.campaign.CampaignDefinition;
import io.rebound.core.campaign.CampaignDefinitions;
import io.rebound.server.json.Json;
import io.rebound.server.meta.MemoryOnly;
import io.rebound.server.meta.Statements;

import javax.sql.DataSource;
import java.io.IOException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Campaign definitions in the metadata database, with each store's active campaigns cached for the
 * decision API's hot path. A change through this object drops its store's entry at once; a change
 * made by another node (cluster mode) is seen within {@link #CACHE_TTL_MILLIS}.
 */
public final class JdbcCampaigns {
    /** The most campaigns a store may have (every decision considers each active one). */
    public static final int MAX_PER_STORE = 100;
    static final long CACHE_TTL_MILLIS = 5_000;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String COLUMNS = "id, store_id, definition, status, created_at, updated_at";

    private final DataSource dataSource;
    private final Clock clock;
    private final Map<String, Cached> active = new ConcurrentHashMap<>();

    private record Cached(List<CampaignRecord> campaigns, long loadedAtMillis) {
    }

    public JdbcCampaigns(DataSource dataSource, Clock clock) {
        this.dataSource = dataSource;
        this.clock = clock;
    }

    public CampaignRecord create(String storeId, CampaignDefinition definition) {
        String id = "cmp_" + HexFormat.of().formatHex(bytes(8));
        OffsetDateTime now = now();
        String sql = "INSERT INTO campaigns (id, store_id, name, segment_id, definition, status, created_at, updated_at) "
                + "VALUES (?, ?, ?, ?, ?, 'active', ?, ?)";
        try (Connection c = dataSource.getConnection()) {
            Statements.update(c, sql, id, storeId, definition.name(), definition.segmentId(), text(definition),
                    now, now);
        } catch (SQLException e) {
            throw failure("create a campaign", e);
        }
        active.remove(storeId);
        return new CampaignRecord(id, storeId, definition, CampaignRecord.Status.ACTIVE, now.toInstant(), now.toInstant());
    }

    /** Replaces the definition; empty when the campaign is not the store's. Codes and counts stay. */
    public Optional<CampaignRecord> update(String storeId, String id, CampaignDefinition definition) {
        return change(storeId, id, "UPDATE campaigns SET name = ?, segment_id = ?, definition = ?, updated_at = ? "
                + "WHERE store_id = ? AND id = ?", ps -> {
                    ps.setString(1, definition.name());
                    ps.setString(2, definition.segmentId());
                    ps.setString(3, text(definition));
                    return 4;
                });
    }

    /** Sets the status; empty when the campaign is not the store's. */
    public Optional<CampaignRecord> setStatus(String storeId, String id, CampaignRecord.Status status) {
        return change(storeId, id, "UPDATE campaigns SET status = ?, updated_at = ? WHERE store_id = ? AND id = ?", ps -> {
            ps.setString(1, status.json());
            return 2;
        });
    }

    public boolean delete(String storeId, String id) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("DELETE FROM campaigns WHERE store_id = ? AND id = ?")) {
            ps.setString(1, storeId);
            ps.setString(2, id);
            boolean deleted = ps.executeUpdate() == 1;
            if (deleted) {
                DecisionCounts.of(dataSource).forget(id);
                ExposureCounts.of(dataSource).forgetCampaign(id);
                var offers = JdbcOffers.offersByPerson(dataSource); // its offers went with it (ON DELETE CASCADE)
                if (offers != null) {
                    offers.changedAll();
                }
            }
            return deleted;
        } catch (SQLException e) {
            throw failure("delete campaign " + id, e);
        } finally {
            active.remove(storeId);
        }
    }

    public Optional<CampaignRecord> get(String storeId, String id) {
        List<CampaignRecord> found = query("SELECT " + COLUMNS + " FROM campaigns WHERE store_id = ? AND id = ?",
                storeId, id);
        return found.isEmpty() ? Optional.empty() : Optional.of(found.getFirst());
    }

    /** The store's campaigns, oldest first (at most {@link #MAX_PER_STORE}). */
    public List<CampaignRecord> list(String storeId) {
        return query("SELECT " + COLUMNS + " FROM campaigns WHERE store_id = ? ORDER BY created_at, id LIMIT "
                + MAX_PER_STORE, storeId);
    }

    /** The store's active campaigns, from the cache. */
    public List<CampaignRecord> active(String storeId) {
        long now = clock.millis();
        Cached c = active.get(storeId);
        if (c == null || now - c.loadedAtMillis() >= CACHE_TTL_MILLIS || now < c.loadedAtMillis()) {
            MemoryOnly.check();
            List<CampaignRecord> all = list(storeId).stream()
                    .filter(r -> r.status() == CampaignRecord.Status.ACTIVE).toList();
            c = new Cached(all, now);
            active.put(storeId, c);
        }
        return c.campaigns();
    }

    // ---- plumbing ------------------------------------------------------------------------------

    private interface Binder {
        /** Binds the statement's own parameters and returns the index of updated_at. */
        int bind(PreparedStatement ps) throws SQLException;
    }

    private Optional<CampaignRecord> change(String storeId, String id, String sql, Binder binder) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            int i = binder.bind(ps);
            ps.setObject(i, now());
            ps.setString(i + 1, storeId);
            ps.setString(i + 2, id);
            if (ps.executeUpdate() == 0) {
                return Optional.empty();
            }
        } catch (SQLException e) {
            throw failure("change campaign " + id, e);
        } finally {
            active.remove(storeId);
        }
        return get(storeId, id);
    }

    private List<CampaignRecord> query(String sql, String... params) {
        return Statements.list(dataSource, "cannot read campaigns", sql, rs -> new CampaignRecord(rs.getString(1),
                rs.getString(2), definition(rs.getString(3)),
                CampaignRecord.Status.valueOf(rs.getString(4).toUpperCase(java.util.Locale.ROOT)),
                rs.getObject(5, OffsetDateTime.class).toInstant(), rs.getObject(6, OffsetDateTime.class).toInstant()),
                params);
    }

    private static String text(CampaignDefinition d) {
        try {
            return Json.MAPPER.writeValueAsString(CampaignDefinitions.toJson(d));
        } catch (IOException e) {
            throw new IllegalStateException("cannot write a campaign definition", e);
        }
    }

    private static CampaignDefinition definition(String text) {
        try {
            return CampaignDefinitions.parse(Json.readUntrustedObject(text));
        } catch (IOException e) {
            throw new IllegalStateException("a stored campaign definition is not JSON", e);
        }
    }

    private OffsetDateTime now() {
        return OffsetDateTime.ofInstant(Instant.ofEpochMilli(clock.millis()), ZoneOffset.UTC);
    }

    static byte[] bytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    static IllegalStateException failure(String what, SQLException e) {
        return new IllegalStateException("cannot " + what + ": " + e.getMessage(), e);
    }
}

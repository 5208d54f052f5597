package io.rebound.server.audience;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import io.rebound.core.segment.SegmentDefinitions;
import io.rebound.server.json.Json;
import io.rebound.server.meta.Statements;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Segment definitions in the metadata database (table {@code segments}, V2), plain JDBC, H2 and PostgreSQL alike. */
public final class SegmentRepository {
    private static final String COLUMNS =
            "store_id, id, definition, template, status, created_at, updated_at, effective_from";
    private static final TypeReference<Map<String, Object>> TREE = new TypeReference<>() {
    };

    private final DataSource dataSource;

    public SegmentRepository(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Inserts or replaces (same store and id) a segment: UPDATE, then INSERT when absent (single writer). */
    public void save(SegmentRecord s) {
        String update = "UPDATE segments SET definition = ?, template = ?, status = ?, updated_at = ?, effective_from = ?, "
                + "name = ? WHERE store_id = ? AND id = ?";
        String insert = "INSERT INTO segments (" + COLUMNS + ", name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
        try (Connection c = dataSource.getConnection()) {
            int updated;
            try (PreparedStatement ps = c.prepareStatement(update)) {
                ps.setString(1, json(s));
                ps.setString(2, s.template());
                ps.setString(3, s.status().json());
                ps.setObject(4, ts(s.updatedAt()));
                ps.setObject(5, ts(s.effectiveFrom()));
                ps.setString(6, name(s));
                ps.setString(7, s.storeId());
                ps.setString(8, s.id());
                updated = ps.executeUpdate();
            }
            if (updated == 0) {
                try (PreparedStatement ps = c.prepareStatement(insert)) {
                    ps.setString(1, s.storeId());
                    ps.setString(2, s.id());
                    ps.setString(3, json(s));
                    ps.setString(4, s.template());
                    ps.setString(5, s.status().json());
                    ps.setObject(6, ts(s.createdAt()));
                    ps.setObject(7, ts(s.updatedAt()));
                    ps.setObject(8, ts(s.effectiveFrom()));
                    ps.setString(9, name(s));
                    ps.executeUpdate();
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot save segment " + s.id() + ": " + e.getMessage(), e);
        }
    }

    public void setStatus(String storeId, String id, SegmentRecord.Status status, Instant at) {
        Statements.update(dataSource, "cannot update segment " + id,
                "UPDATE segments SET status = ?, updated_at = ? WHERE store_id = ? AND id = ?", ps -> {
                    ps.setString(1, status.json());
                    ps.setObject(2, ts(at));
                    ps.setString(3, storeId);
                    ps.setString(4, id);
                });
    }

    public boolean delete(String storeId, String id) {
        return Statements.update(dataSource, "cannot delete segment " + id,
                "DELETE FROM segments WHERE store_id = ? AND id = ?", ps -> {
                    ps.setString(1, storeId);
                    ps.setString(2, id);
                }) > 0;
    }

    public Optional<SegmentRecord> byId(String storeId, String id) {
        List<SegmentRecord> found = query("SELECT " + COLUMNS + " FROM segments WHERE store_id = ? AND id = ?", storeId, id);
        return found.stream().findFirst();
    }

    public List<SegmentRecord> byStore(String storeId) {
        return query("SELECT " + COLUMNS + " FROM segments WHERE store_id = ? ORDER BY created_at, id", storeId);
    }

    public List<SegmentRecord> all() {
        return query("SELECT " + COLUMNS + " FROM segments ORDER BY store_id, created_at, id");
    }

    private List<SegmentRecord> query(String sql, String... args) {
        return Statements.list(dataSource, "cannot read segments", sql, SegmentRepository::read, args);
    }

    private static SegmentRecord read(ResultSet rs) throws SQLException {
        Map<String, Object> definition;
        try {
            definition = Json.MAPPER.readValue(rs.getString("definition"), TREE);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot read segments: " + e.getMessage(), e);
        }
        return new SegmentRecord(rs.getString("store_id"), rs.getString("id"), SegmentDefinitions.parse(definition),
                rs.getString("template"),
                SegmentRecord.Status.valueOf(rs.getString("status").toUpperCase(java.util.Locale.ROOT)),
                instant(rs, "created_at"), instant(rs, "updated_at"), instant(rs, "effective_from"));
    }

    private static String name(SegmentRecord s) {
        String n = s.definition().name();
        return n.length() > 200 ? n.substring(0, 200) : n;
    }

    private static String json(SegmentRecord s) {
        try {
            return Json.MAPPER.writeValueAsString(SegmentDefinitions.toJson(s.definition()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static OffsetDateTime ts(Instant i) {
        return i.atOffset(ZoneOffset.UTC);
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        return rs.getObject(column, OffsetDateTime.class).toInstant();
    }
}

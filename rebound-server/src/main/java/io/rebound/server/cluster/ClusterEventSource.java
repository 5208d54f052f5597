package io.rebound.server.cluster;

import io.rebound.core.activation.ServerEvent;
import io.rebound.core.event.Event;
import io.rebound.destinations.delivery.EventSource;
import io.rebound.kafka.EventSerde;
import io.rebound.server.activation.ForwardedEvents;
import io.rebound.server.audience.AudienceView;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Cluster mode's accepted events for forwarding: the events the events sink materialised in
 * {@code cluster_visitor_events}, one row per event id, each with the partition and offset of the
 * events topic it came from. The sink commits each partition's rows in offset order, so "after offset
 * o of partition p" never skips a row that commits later; the cursor is an offset per partition
 * ({@code "0:123,1:-1,…"}). One query reads a batch across all partitions through the index on
 * (store, partition, offset).
 */
public final class ClusterEventSource implements EventSource {
    private final DataSource db;
    private final int partitions;
    private final AudienceView audiences;

    public ClusterEventSource(DataSource db, int partitions, AudienceView audiences) {
        this.db = Objects.requireNonNull(db, "db");
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be positive");
        }
        this.partitions = partitions;
        this.audiences = Objects.requireNonNull(audiences, "audiences");
    }

    /** The offsets of a cursor, one per partition ({@code -1}: nothing read yet). */
    long[] parse(String cursor) {
        long[] at = new long[partitions];
        java.util.Arrays.fill(at, -1);
        if (cursor == null || cursor.isBlank()) {
            return at;
        }
        for (String part : cursor.split(",")) {
            int colon = part.indexOf(':');
            if (colon <= 0) {
                throw new IllegalStateException("not a cluster event cursor: " + cursor);
            }
            int p = Integer.parseInt(part.substring(0, colon).strip());
            if (p >= 0 && p < partitions) {
                at[p] = Long.parseLong(part.substring(colon + 1).strip());
            }
        }
        return at;
    }

    static String format(long[] at) {
        StringBuilder b = new StringBuilder();
        for (int p = 0; p < at.length; p++) {
            if (p > 0) {
                b.append(',');
            }
            b.append(p).append(':').append(at[p]);
        }
        return b.toString();
    }

    @Override
    public Batch read(String storeId, String cursor, int limit) {
        long[] at = parse(cursor);
        StringBuilder values = new StringBuilder();
        for (int p = 0; p < partitions; p++) {
            values.append(p == 0 ? "" : ", ").append("(?, ?)");
        }
        String sql = "SELECT e.partition_no, e.record_offset, e.event FROM cluster_visitor_events e "
                + "JOIN (VALUES " + values + ") AS c(p, o) ON e.partition_no = c.p AND e.record_offset > c.o "
                + "WHERE e.store_id = ? ORDER BY e.partition_no, e.record_offset LIMIT ?";
        List<ServerEvent> out = new ArrayList<>();
        boolean moved = false;
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            for (int p = 0; p < partitions; p++) {
                ps.setInt(i++, p);
                ps.setLong(i++, at[p]);
            }
            ps.setString(i++, storeId);
            ps.setInt(i, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    at[rs.getInt(1)] = rs.getLong(2);
                    moved = true;
                    Event e = EventSerde.decode(rs.getBytes(3));
                    ServerEvent event = ForwardedEvents.complete(e, audiences);
                    if (event != null) {
                        out.add(event);
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the events to forward: " + e.getMessage(), e);
        }
        return new Batch(out, format(at), moved);
    }

    @Override
    public String end(String storeId) {
        long[] at = parse(null);
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT partition_no, MAX(record_offset) FROM cluster_visitor_events WHERE store_id = ? GROUP BY partition_no")) {
            ps.setString(1, storeId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    int p = rs.getInt(1);
                    if (p >= 0 && p < partitions) {
                        at[p] = rs.getLong(2);
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the end of the events to forward: " + e.getMessage(), e);
        }
        return format(at);
    }
}

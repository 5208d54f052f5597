package io.rebound.server.cluster;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.List;
import java.util.function.Function;

/**
 * The few pieces of PostgreSQL the sink's writers share: array parameters for {@code unnest} (one
 * statement per table and kind, whatever the number of rows) and millisecond timestamps. Cluster
 * mode requires PostgreSQL, so the dialect is PostgreSQL's.
 */
final class SinkSql {
    /** Millis since the epoch (a bigint expression) as a timestamp, exactly. */
    static final String MILLIS = "(TIMESTAMP WITH TIME ZONE 'epoch' + %s * INTERVAL '1 millisecond')";

    private SinkSql() {
    }

    static <T> Array text(Connection c, Collection<T> rows, Function<T, String> column) throws SQLException {
        return c.createArrayOf("text", rows.stream().map(column).toArray());
    }

    static <T> Array bigint(Connection c, Collection<T> rows, Function<T, Long> column) throws SQLException {
        return c.createArrayOf("bigint", rows.stream().map(column).toArray());
    }

    static <T> Array integer(Connection c, Collection<T> rows, Function<T, Integer> column) throws SQLException {
        return c.createArrayOf("integer", rows.stream().map(column).toArray());
    }

    static <T> Array bytea(Connection c, List<T> rows, Function<T, byte[]> column) throws SQLException {
        return c.createArrayOf("bytea", rows.stream().map(column).toArray(byte[][]::new));
    }

    /** A row's key in the tables keyed by store and one id (segment records, identities). */
    record StoreKey(String store, String key) {
    }

    /** Deletes the rows of these keys from a table keyed by {@code store_id} and {@code keyColumn}, in one statement. */
    static void delete(Connection c, String table, String keyColumn, List<StoreKey> keys) throws SQLException {
        if (keys.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " t USING unnest(?, ?) AS x(s, k) "
                + "WHERE t.store_id = x.s AND t." + keyColumn + " = x.k")) {
            ps.setArray(1, text(c, keys, StoreKey::store));
            ps.setArray(2, text(c, keys, StoreKey::key));
            ps.executeUpdate();
        }
    }

    static OffsetDateTime ts(Instant i) {
        return i.atOffset(ZoneOffset.UTC);
    }
}

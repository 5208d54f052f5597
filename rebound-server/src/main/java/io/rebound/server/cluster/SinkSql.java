package io.rebound.server.cluster;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
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

    /**
     * Runs one statement whose {@code ?} are the columns of its {@code unnest}, in order: the whole
     * batch in one round trip.
     */
    static void update(Connection c, String sql, Array... columns) throws SQLException {
        try (PreparedStatement ps = prepare(c, sql, columns)) {
            ps.executeUpdate();
        }
    }

    /** What a statement's {@code RETURNING} row does. */
    @FunctionalInterface
    interface Returned {
        void accept(ResultSet row) throws SQLException;
    }

    /** {@link #update}, for a statement with {@code RETURNING}: each row it returns goes to {@code each}. */
    static void update(Connection c, String sql, Returned each, Array... columns) throws SQLException {
        try (PreparedStatement ps = prepare(c, sql, columns); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                each.accept(rs);
            }
        }
    }

    private static PreparedStatement prepare(Connection c, String sql, Array... columns) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        try {
            for (int i = 0; i < columns.length; i++) {
                ps.setArray(i + 1, columns[i]);
            }
            return ps;
        } catch (SQLException e) {
            ps.close();
            throw e;
        }
    }

    /**
     * A batch of a compacted topic, the last record per key: the keys whose last record is a
     * tombstone (their rows go) and the rows to upsert, each in consumed order.
     */
    record Latest<K, R>(List<K> tombstones, List<R> upserts) {
        /** Splits {@code last} (a null value: a tombstone), making each upsert of its key and value. */
        static <K, V, R> Latest<K, R> of(Map<K, V> last, BiFunction<K, V, R> upsert) {
            Latest<K, R> latest = new Latest<>(new ArrayList<>(), new ArrayList<>());
            last.forEach((k, v) -> {
                if (v == null) {
                    latest.tombstones().add(k);
                } else {
                    latest.upserts().add(upsert.apply(k, v));
                }
            });
            return latest;
        }
    }

    /** A row's key in the tables keyed by store and one id (segment records, identities). */
    record StoreKey(String store, String key) {
    }

    /** Deletes the rows of these keys from a table keyed by {@code store_id} and {@code keyColumn}, in one statement. */
    static void delete(Connection c, String table, String keyColumn, List<StoreKey> keys) throws SQLException {
        if (keys.isEmpty()) {
            return;
        }
        update(c, "DELETE FROM " + table + " t USING unnest(?, ?) AS x(s, k) "
                        + "WHERE t.store_id = x.s AND t." + keyColumn + " = x.k",
                text(c, keys, StoreKey::store), text(c, keys, StoreKey::key));
    }

    static OffsetDateTime ts(Instant i) {
        return i.atOffset(ZoneOffset.UTC);
    }
}

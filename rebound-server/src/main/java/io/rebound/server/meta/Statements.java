package io.rebound.server.meta;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * One statement on a connection of its own (auto-commit): a query read by a {@link Reader}, or an
 * update. A database failure is an {@link IllegalStateException} that says what failed. Or one
 * statement on the caller's connection ({@link #forEachRow}, {@link #update(Connection, String, Object...)}),
 * whose {@link SQLException} the caller handles.
 */
public final class Statements {
    private Statements() {
    }

    /** Sets a statement's parameters. */
    @FunctionalInterface
    public interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    /** Reads a query's rows. */
    @FunctionalInterface
    public interface Reader<T> {
        T read(ResultSet rs) throws SQLException;
    }

    /** Reads one row of a query. */
    @FunctionalInterface
    public interface Row<T> {
        T read(ResultSet rs) throws SQLException;
    }

    /** Takes one row of a query. */
    @FunctionalInterface
    public interface RowConsumer {
        void accept(ResultSet rs) throws SQLException;
    }

    /**
     * Runs the query {@code sql} on {@code c} (beside the caller's other statements) with its one parameter
     * {@code param}, and hands each row to {@code row}.
     */
    public static void forEachRow(Connection c, String sql, String param, RowConsumer row) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, param);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    row.accept(rs);
                }
            }
        }
    }

    /** The rows of the query {@code sql}, its parameters {@code params} in order, each read by {@code row}. */
    public static <T> List<T> list(DataSource ds, String what, String sql, Row<T> row, String... params) {
        return query(ds, what, sql, ps -> {
            for (int i = 0; i < params.length; i++) {
                ps.setString(i + 1, params[i]);
            }
        }, rs -> {
            List<T> out = new ArrayList<>();
            while (rs.next()) {
                out.add(row.read(rs));
            }
            return out;
        });
    }

    /** Runs the query {@code sql} bound by {@code binder} and returns what {@code reader} reads of it. */
    public static <T> T query(DataSource ds, String what, String sql, Binder binder, Reader<T> reader) {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(ps);
            try (ResultSet rs = ps.executeQuery()) {
                return reader.read(rs);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(what + ": " + e.getMessage(), e);
        }
    }

    /**
     * Runs the update {@code sql} on {@code c} (in the caller's transaction) with {@code params} in order;
     * returns the rows it changed.
     */
    public static int update(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            return ps.executeUpdate();
        }
    }

    /** Runs the update {@code sql} bound by {@code binder}; returns the rows it changed. */
    public static int update(DataSource ds, String what, String sql, Binder binder) {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(ps);
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(what + ": " + e.getMessage(), e);
        }
    }
}

package io.rebound.server.meta;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.function.Supplier;

/** Work on one connection in one transaction: all of it is kept or none. */
public final class Transactions {
    private Transactions() {
    }

    /** The statements of one transaction. */
    @FunctionalInterface
    public interface Work {
        void run(Connection c) throws SQLException;
    }

    /**
     * Runs {@code work} in one transaction on a connection of {@code ds}, rolled back when it throws; a
     * database failure is an {@link IllegalStateException} saying {@code what} failed.
     */
    public static void run(DataSource ds, Supplier<String> what, Work work) {
        try (Connection c = ds.getConnection()) {
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                work.run(c);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(auto);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(what.get() + ": " + e.getMessage(), e);
        }
    }
}
